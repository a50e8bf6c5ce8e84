"""When a coupon applies: the reasons one is refused, in words a shopper can act on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import formats, timezone

from coupons.models import Coupon

UNKNOWN = "This coupon code is not valid at this store."


def coupon_refusal(
    coupon: Coupon | None, *, subtotal: Decimal, now: datetime, customer_uses: int | None = None
) -> str | None:
    """Why `coupon` cannot be used on an order of `subtotal` now, or None when it can.

    `customer_uses`: the customer's orders that hold a use of it (None when the customer is not
    known yet, as for a quote without a phone).
    """
    if coupon is None:
        return UNKNOWN
    if not coupon.is_active:
        return "This coupon is switched off."
    if coupon.starts_at and now < coupon.starts_at:
        starts = formats.date_format(timezone.localtime(coupon.starts_at), "j M Y, H:i")
        return f"This coupon can be used from {starts}."
    if coupon.expires_at and now >= coupon.expires_at:
        return "This coupon has expired."
    if coupon.usage_limit is not None and coupon.used_count >= coupon.usage_limit:
        return "This coupon has been used up."
    if coupon.min_order is not None and subtotal < coupon.min_order:
        return f"This coupon needs an order of at least ₹{coupon.min_order}."
    limit = coupon.per_customer_limit
    if limit is not None and customer_uses is not None and customer_uses >= limit:
        times = "once" if limit == 1 else f"{limit} times"
        return f"This coupon can be used {times} per customer."
    return None
