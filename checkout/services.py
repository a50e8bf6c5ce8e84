"""The checkout: an order placed with a payment method the store takes, and its payment started."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext

from coupons.models import Coupon
from dukaan.http.client_ip import rate_limit_address
from dukaan.rate_limit import Limit, rate_limit_hit
from orders.models import Order
from orders.pricing import PriceBreakdown
from orders.services import CustomerDetails, OrderError, OrderItems, order_place, order_quote, order_quotes
from payments.selectors import accepted_payment_methods
from payments.services import PaymentError, payment_gateway_start
from stores.models import Store
from stores.phone import normalize_phone


class OrderThrottled(Exception):
    """Too many orders from one network, for one phone or at one store just now. HTTP 429."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = round(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def _order_rate_check(*, store: Store, customer: CustomerDetails, ip: str | None) -> None:
    """Refuse an order over the per-network, per-phone or per-store limit (settings
    DUKAAN_ORDER_LIMIT_*). Every order holds stock until it is paid or cancelled, so without a
    limit anyone could take a store's stock off sale with a burst of orders nobody pays for."""
    window = settings.DUKAAN_ORDER_LIMIT_WINDOW_SECONDS
    checks = [
        # An IPv6 client counts as its /64, which it can roam freely.
        (
            "order-ip",
            rate_limit_address(ip),
            settings.DUKAAN_ORDER_LIMIT_PER_IP,
            gettext("Too many orders from your network just now. Please try again in %(wait)s."),
        ),
        (
            "order-phone",
            customer.phone,
            settings.DUKAAN_ORDER_LIMIT_PER_PHONE,
            gettext("Too many orders for this phone number just now. Please try again in %(wait)s."),
        ),
        (
            "order-store",
            str(store.pk),
            settings.DUKAAN_ORDER_LIMIT_PER_STORE,
            gettext("Too many orders at this store just now. Please try again in %(wait)s."),
        ),
    ]
    for scope, key, count, refusal in checks:
        wait = rate_limit_hit(scope, key or "", Limit(count, window))
        if wait is not None:
            raise OrderThrottled(refusal % {"wait": _wait_text(wait)}, wait)


def checkout_place_order(
    *,
    store: Store,
    items: OrderItems,
    customer: CustomerDetails,
    payment_method: str,
    checkout_key: str | None = None,
    client: str = "",
    ip: str | None = None,
    coupon_code: str | None = None,
) -> Order:
    """Place the order if the store takes `payment_method` and no order limit is reached; see
    orders.services.order_place. Raises OrderThrottled (with `retry_after`) over a limit."""
    methods = accepted_payment_methods(store)
    if payment_method not in methods:
        raise OrderError(
            {
                "payment_method": gettext("Choose one of: %(choices)s.")
                % {"choices": ", ".join(gettext(label) for label in methods.values())}
            }
        )
    _order_rate_check(store=store, customer=customer, ip=ip)
    return order_place(
        store=store,
        items=items,
        customer=customer,
        payment_method=payment_method,
        checkout_key=checkout_key,
        client=client,
        coupon_code=coupon_code,
    )


def checkout_quote(
    *,
    store: Store,
    items: OrderItems,
    payment_method: str,
    coupon_code: str | None = None,
    customer_phone: str | None = None,
) -> tuple[PriceBreakdown, Coupon | None]:
    """What the order would cost with `payment_method` (one the store takes) and the coupon;
    nothing is placed or used. The phone, when given, counts the coupon's per-customer limit."""
    methods = accepted_payment_methods(store)
    if payment_method not in methods:
        raise OrderError(
            {
                "payment_method": gettext("Choose one of: %(choices)s.")
                % {"choices": ", ".join(gettext(label) for label in methods.values())}
            }
        )
    phone = None
    if customer_phone:
        try:
            phone = normalize_phone(customer_phone)
        except ValidationError as exc:
            raise OrderError({"customer_phone": exc.messages}) from None
    return order_quote(
        store=store, items=items, payment_method=payment_method, coupon_code=coupon_code, customer_phone=phone
    )


@dataclass(frozen=True)
class CheckoutBreakdowns:
    """What the cart would cost with each payment method the store takes (the online delivery
    fee may differ), the coupon they apply, and why the coupon was refused, if it was."""

    by_method: dict[str, PriceBreakdown]
    coupon: Coupon | None
    coupon_refusal: str | None


def checkout_breakdowns(
    *,
    store: Store,
    items: OrderItems,
    coupon_code: str | None = None,
    customer_phone: str | None = None,
) -> CheckoutBreakdowns:
    """The checkout page's money: one breakdown per payment method. A refused coupon is dropped
    (and its reason kept); a cart that cannot be priced (sold out since) has no breakdowns, and
    placing the order says why."""
    try:  # the phone only counts a per-customer limit; a half-typed one counts nothing yet
        customer_phone = normalize_phone(customer_phone) if customer_phone else None
    except ValidationError:
        customer_phone = None
    methods = list(accepted_payment_methods(store))
    try:
        by_method, coupon = order_quotes(
            store=store,
            items=items,
            payment_methods=methods,
            coupon_code=coupon_code,
            customer_phone=customer_phone,
        )
        return CheckoutBreakdowns(by_method=by_method, coupon=coupon, coupon_refusal=None)
    except OrderError as exc:
        if set(exc.message_dict) != {"coupon"}:
            return CheckoutBreakdowns(by_method={}, coupon=None, coupon_refusal=None)
        refusal = exc.message_dict["coupon"][0]
    try:  # the coupon was refused: the breakdowns without it, and the reason
        by_method, _ = order_quotes(store=store, items=items, payment_methods=methods)
    except OrderError:
        by_method = {}
    return CheckoutBreakdowns(by_method=by_method, coupon=None, coupon_refusal=refusal)


def checkout_start_payment(*, order: Order, request: HttpRequest) -> str | None:
    """Where to send the customer to pay `order` online, or None when it needs no (or cannot take
    an) online payment now; the order page then says what to do."""
    if not order.awaits_online_payment:
        return None
    try:
        _, url = payment_gateway_start(order=order, request=request)
    except PaymentError:
        return None
    return url
