"""Reads of stores."""

from __future__ import annotations

from django.http import Http404

from stores.models import Store, StoreCharge


def active_store_by_slug(slug: str) -> Store | None:
    """The store at `slug` if it is open (a switched-off store is as good as none to shoppers)."""
    return Store.objects.filter(slug=slug, is_active=True).first()


def get_active_store_or_404(slug: str) -> Store:
    store = active_store_by_slug(slug)
    if store is None:
        raise Http404("No such store.")
    return store


def store_active_charges(store: Store) -> list[StoreCharge]:
    """The extra charges an order at `store` pays now, in the order the seller added them."""
    return list(StoreCharge.objects.filter(store=store, is_active=True).order_by("created_at", "id"))
