"""What an order costs: the one place the money rules of SPEC section 7 are written down.

The quote, the checkout page, placing an order, the order pages, the invoice and the admin all
ask `price_breakdown`; nothing else adds fees, charges or tax. Every amount is rounded half-up to
paise, and the total is the sum of the rounded parts, so the parts shown always add up to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from coupons.models import Coupon, CouponKind
from stores.models import ChargeKind, Store, StoreCharge

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
# Delivery fee for orders paid before delivery (delivery_fee_online); cash on delivery pays the other.
ONLINE_PAYMENT_METHODS = frozenset({"upi", "gateway"})


def to_paise(amount: Decimal) -> Decimal:
    """Rounded half-up to paise, as Indian invoices round (Python's default is half-even)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ChargeLine:
    name: str
    amount: Decimal


@dataclass(frozen=True)
class PriceBreakdown:
    subtotal: Decimal
    discount: Decimal
    delivery_fee: Decimal
    charges: tuple[ChargeLine, ...]
    tax: Decimal
    total: Decimal

    @property
    def goods(self) -> Decimal:
        return self.subtotal - self.discount

    @property
    def charges_total(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    def charges_as_json(self) -> list[dict[str, str]]:
        """The charges as stored on the order (JSON holds no Decimal)."""
        return [{"name": c.name, "amount": str(c.amount)} for c in self.charges]


def delivery_fee_for(store: Store, payment_method: str) -> Decimal:
    """The store's delivery fee for this way of paying (before any free-delivery rule)."""
    if payment_method in ONLINE_PAYMENT_METHODS and store.delivery_fee_online is not None:
        return store.delivery_fee_online
    return store.delivery_fee


def price_breakdown(
    *,
    store: Store,
    subtotal: Decimal,
    payment_method: str,
    charges: Iterable[StoreCharge],
    discount: Decimal = ZERO,
    free_delivery: bool = False,
) -> PriceBreakdown:
    """The order's money, from its subtotal (the sum of its line totals) and the store's settings.

    goods = subtotal - discount; delivery is free above the store's threshold (or with a
    free-delivery coupon), else the fee for the payment method; each active charge is flat or a
    percent of the goods; GST is a percent of the goods only.
    """
    subtotal = to_paise(subtotal)
    discount = min(to_paise(discount), subtotal)
    goods = subtotal - discount
    threshold = store.free_delivery_above
    if free_delivery or (threshold is not None and goods >= threshold):
        delivery = ZERO
    else:
        delivery = to_paise(delivery_fee_for(store, payment_method))
    lines = tuple(
        ChargeLine(
            name=charge.name,
            amount=to_paise(
                charge.amount if charge.kind == ChargeKind.FLAT else goods * charge.amount / HUNDRED
            ),
        )
        for charge in charges
        if charge.is_active
    )
    tax = to_paise(goods * store.gst_percent / HUNDRED)
    total = goods + delivery + sum((line.amount for line in lines), ZERO) + tax
    return PriceBreakdown(
        subtotal=subtotal, discount=discount, delivery_fee=delivery, charges=lines, tax=tax, total=total
    )


def coupon_discount(coupon: Coupon, subtotal: Decimal) -> tuple[Decimal, bool]:
    """What `coupon` takes off a subtotal, and whether it makes delivery free (SPEC section 7):
    percent: subtotal x value / 100, capped at max_discount; flat: value, at most the subtotal;
    free delivery: nothing off the goods."""
    if coupon.kind == CouponKind.FREE_DELIVERY:
        return ZERO, True
    value = coupon.value or ZERO
    if coupon.kind == CouponKind.PERCENT:
        discount = to_paise(subtotal * value / HUNDRED)
        if coupon.max_discount is not None:
            discount = min(discount, coupon.max_discount)
        return discount, False
    return min(to_paise(value), subtotal), False


def stored_breakdown(order: Any) -> PriceBreakdown:
    """An order's breakdown as it was fixed when it was placed (later fee edits never change it)."""
    return PriceBreakdown(
        subtotal=order.subtotal,
        discount=order.discount,
        delivery_fee=order.delivery_fee,
        charges=tuple(ChargeLine(name=c["name"], amount=Decimal(c["amount"])) for c in order.charges or []),
        tax=order.tax,
        total=order.total,
    )
