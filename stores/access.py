"""Who may touch which store: the one place ownership is decided (pages and API alike)."""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.http import Http404

from stores.models import Store, User

MAX_DB_ID = 2**63 - 1  # the largest BigAutoField value: a larger id is a 404, not a database error
Item = TypeVar("Item", bound=models.Model)


def get_owned_store_or_404(user: User, slug: str) -> Store:
    """The store with this slug if `user` owns it; 404 otherwise.

    A seller asking for another seller's store gets the same 404 as for a store that does
    not exist, so store ownership cannot be probed.
    """
    if not user.is_authenticated:
        raise Http404("No such store.")
    store = Store.objects.filter(slug=slug, owner=user).first()
    if store is None:
        raise Http404("No such store.")
    return store


def get_store_item_or_404(model: type[Item], store: Store, pk: int) -> Item:
    """The `model` row `pk` that belongs to `store` (a charge, a coupon); 404 for any other store's."""
    item = model.objects.filter(store=store, pk=pk).first() if 0 < pk <= MAX_DB_ID else None
    if item is None:
        raise Http404(f"No such {model._meta.verbose_name}.")
    return item
