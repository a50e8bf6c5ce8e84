"""When a coupon applies: the reasons one is refused, in words a shopper can act on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from coupons.models import Coupon

UNKNOWN = gettext_lazy("This coupon code is not valid at this store.")


def coupon_refusal(
    coupon: Coupon | None, *, subtotal: Decimal, now: datetime, customer_uses: int | None = None
) -> str | None:
    """Why `coupon` cannot be used on an order of `subtotal` now, or None when it can.

    `customer_uses`: the customer's orders that hold a use of it (None when the customer is not
    known yet, as for a quote without a phone).
    """
    if coupon is None:
        return str(UNKNOWN)
    if not coupon.is_active:
        return _("This coupon is switched off.")
    if coupon.starts_at and now < coupon.starts_at:
        when = pgettext("date and time a coupon starts", "j M Y, H:i")
        starts = formats.date_format(timezone.localtime(coupon.starts_at), when)
        return _("This coupon can be used from %(starts)s.") % {"starts": starts}
    if coupon.expires_at and now >= coupon.expires_at:
        return _("This coupon has expired.")
    if coupon.usage_limit is not None and coupon.used_count >= coupon.usage_limit:
        return _("This coupon has been used up.")
    if coupon.min_order is not None and subtotal < coupon.min_order:
        return _("This coupon needs an order of at least ₹%(amount)s.") % {"amount": coupon.min_order}
    limit = coupon.per_customer_limit
    if limit is not None and customer_uses is not None and customer_uses >= limit:
        if limit == 1:
            return _("This coupon can be used once per customer.")
        return ngettext(
            "This coupon can be used %(count)d time per customer.",
            "This coupon can be used %(count)d times per customer.",
            limit,
        ) % {"count": limit}
    return None
