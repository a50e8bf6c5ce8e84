from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from products.models import Category, Product
from stores.models import Store


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The catalogue may be cached (Redis or memory): every test starts from a miss.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fill_store(db):
    """Give a store `count` active products over three categories, in one bulk insert."""

    def fill(store: Store, count: int) -> list[Product]:
        categories = [
            Category.objects.create(store=store, name=name, position=i)
            for i, name in enumerate(("Staples", "Snacks", "Drinks"))
        ]
        products = [
            Product(
                store=store,
                name=f"Item {n:04d}",
                description=f"Description of item {n}",
                price=Decimal(10 + (n * 37) % 990),
                mrp=Decimal(10 + (n * 37) % 990 + 5) if n % 2 else None,
                category=categories[n % 3],
                stock=None if n % 5 else 0,
                position=n,
                image_thumb=f"products/{store.id}/thumb-{n}.jpg",
                image_large=f"products/{store.id}/large-{n}.jpg",
            )
            for n in range(count)
        ]
        return Product.objects.bulk_create(products)

    return fill
