"""Reads of coupons."""

from __future__ import annotations

from django.db.models import QuerySet

from coupons.models import Coupon
from stores.models import Store


def coupon_by_code(*, store: Store, code: str, for_update: bool = False) -> Coupon | None:
    """The store's coupon with this code, in any case (`for_update`: locked for the order's transaction)."""
    if not code or len(code) > 30:
        return None
    coupons = Coupon.objects.filter(store=store, code__iexact=code)
    if for_update:
        coupons = coupons.select_for_update()
    return coupons.first()


def store_coupons(store: Store) -> QuerySet[Coupon]:
    return Coupon.objects.filter(store=store).order_by("-created_at", "-id")
