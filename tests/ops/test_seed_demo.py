"""seed_demo: the demo store with photos, idempotent re-runs, a big store in batches, only usable slugs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from products.models import Product
from stores.models import Store, User


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_demo_store_with_photos(client, db):
    output = _seed()
    store = Store.objects.get(slug="demo-kirana")
    assert store.owner.phone == "+919999999999"
    assert store.categories.count() == 3
    products = list(Product.objects.filter(store=store))
    assert len(products) >= 12
    assert all(p.image_thumb.name and default_storage.exists(p.image_thumb.name) for p in products)
    assert all(p.image_large.name and default_storage.exists(p.image_large.name) for p in products)
    assert "Demo store ready: " in output
    assert "/demo-kirana/" in output and "+919999999999" in output
    page = client.get("/demo-kirana/")
    assert page.status_code == 200
    assert "Out of stock" in page.content.decode()


def test_seed_demo_is_idempotent(db):
    _seed()
    counts = (User.objects.count(), Store.objects.count(), Product.objects.count())
    _seed()
    assert (User.objects.count(), Store.objects.count(), Product.objects.count()) == counts


def test_seed_demo_products_fills_a_big_store_in_batches(db):
    output = _seed("--products", "620")
    big = Store.objects.get(slug="demo-bazaar")
    assert big.products.count() == 620
    assert "500/620" in output and "620/620" in output
    # Re-running tops up to N instead of adding N more.
    _seed("--products", "620")
    assert big.products.count() == 620


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["admin", "Bad/Slug", "", "x" * 51])
def test_seed_demo_refuses_a_big_store_slug_that_no_storefront_could_use(slug):
    with pytest.raises(CommandError, match="--slug"):
        call_command("seed_demo", "--products", "2", "--slug", slug)
    assert not Store.objects.filter(slug=slug).exists()
