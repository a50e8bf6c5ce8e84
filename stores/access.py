"""Who may touch which store: the one place ownership is decided (pages and API alike)."""

from __future__ import annotations

from django.http import Http404

from stores.models import Store, User


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
