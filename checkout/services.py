"""The checkout: an order placed with a payment method the store takes, and its payment started."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpRequest

from orders.models import Order
from orders.services import CustomerDetails, OrderError, order_place
from payments.selectors import accepted_payment_methods
from payments.services import PaymentError, payment_gateway_start
from stores.models import Store


def checkout_place_order(
    *,
    store: Store,
    items: Iterable[Mapping[str, Any]] | Mapping[int, int],
    customer: CustomerDetails,
    payment_method: str,
    checkout_key: str | None = None,
    client: str = "",
) -> Order:
    """Place the order if the store takes `payment_method`; see orders.services.order_place."""
    methods = accepted_payment_methods(store)
    if payment_method not in methods:
        raise OrderError({"payment_method": "Choose one of: " + ", ".join(methods.values()) + "."})
    return order_place(
        store=store,
        items=items,
        customer=customer,
        payment_method=payment_method,
        checkout_key=checkout_key,
        client=client,
    )


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
