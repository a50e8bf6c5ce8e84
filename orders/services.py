"""Every write to orders: placing one, moving it along its workflow, marking it paid.

Locks are always taken in the same order (product rows by primary key, then the store's
order-number row, then the order) so concurrent checkouts and cancellations cannot deadlock.
Which payment methods a store takes is the payments app's business: checkout asks it first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coupons.models import Coupon
from coupons.rules import coupon_refusal
from coupons.selectors import coupon_by_code
from coupons.services import coupon_use_give_back, coupon_use_take, normalize_code
from dukaan.parsing import parse_whole_number
from orders.models import (
    CLOSED_STATUSES,
    Order,
    OrderEvent,
    OrderItem,
    OrderNumberSequence,
    OrderStatus,
    PaymentMethod,
)
from orders.pricing import PriceBreakdown, coupon_discount, price_breakdown
from products.stock import LineKey, StockError, StockLine, stock_lines, stock_release, stock_reserve
from stores.models import Store, User
from stores.phone import normalize_phone
from stores.selectors import store_active_charges

MAX_LINES_PER_ORDER = 50
MAX_QUANTITY_PER_LINE = 99
PINCODE_RE = re.compile(r"^[1-9][0-9]{5}$")
CENT = Decimal("0.01")

# What an order is asked for: the API's [{"product", "variant", "quantity"}], or a cart's
# {product id or (product id, variant id): quantity}.
OrderItems = Iterable[Mapping[str, Any]] | Mapping[int, int] | Mapping[LineKey, int]


class OrderError(ValidationError):
    """An order that cannot be placed or moved; the message is meant for the customer/seller."""


class IdempotencyConflict(OrderError):
    """A checkout key already used for a different request (HTTP 409): its order is not handed out."""

    MESSAGE = (
        "This Idempotency-Key was already used for a different order. "
        "Send a new key for a new order, or repeat the first request exactly to get its order."
    )

    def __init__(self) -> None:
        super().__init__({"detail": self.MESSAGE})


@dataclass(frozen=True)
class CustomerDetails:
    name: str
    phone: str
    address: str
    pincode: str
    note: str = ""


def clean_customer(*, name: Any, phone: Any, address: Any, pincode: Any, note: Any = "") -> CustomerDetails:
    """Validate what the customer typed; raise ValidationError with one message per field."""
    errors: dict[str, str] = {}
    name = name.strip() if isinstance(name, str) else ""
    address = address.strip() if isinstance(address, str) else ""
    pincode = (
        pincode.strip() if isinstance(pincode, str) else str(pincode) if isinstance(pincode, int) else ""
    )
    note = note.strip() if isinstance(note, str) else ""
    if not name:
        errors["customer_name"] = _("Enter your name.")
    elif len(name) > 120:
        errors["customer_name"] = _("Keep the name under 120 characters.")
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        errors["customer_phone"] = exc.messages[0]
    if not address:
        errors["address"] = _("Enter the delivery address.")
    elif len(address) > 500:
        errors["address"] = _("Keep the address under 500 characters.")
    if not PINCODE_RE.match(pincode):
        errors["pincode"] = _("Enter the 6-digit PIN code, e.g. 560001.")
    if len(note) > 500:
        errors["note"] = _("Keep the note under 500 characters.")
    if errors:
        raise ValidationError(errors)
    return CustomerDetails(name=name, phone=phone, address=address, pincode=pincode, note=note)


def clean_items(items: Any) -> dict[LineKey, int]:
    """Line key (product id, variant id or None) -> quantity from a list of {"product", "variant",
    "quantity"} (or a cart dict keyed by product id or line key); refuse nonsense."""
    if isinstance(items, Mapping):
        items = [
            {"product": key[0], "variant": key[1], "quantity": qty}
            if isinstance(key, tuple)
            else {"product": key, "quantity": qty}
            for key, qty in items.items()
        ]
    if not isinstance(items, list | tuple) or not items:
        raise OrderError({"items": _("Your cart is empty: add a product before checking out.")})
    if len(items) > MAX_LINES_PER_ORDER:
        raise OrderError(
            {
                "items": _("An order can have at most %(max)d different products.")
                % {"max": MAX_LINES_PER_ORDER}
            }
        )
    wanted: dict[LineKey, int] = {}
    for item in items:
        if not isinstance(item, Mapping):
            raise OrderError({"items": _("Each item needs a product and a quantity.")})
        product, quantity = item.get("product"), item.get("quantity")
        product_id = _as_int(product)
        if product_id is None or product_id <= 0:
            raise OrderError({"items": _("Each item needs a valid product id.")})
        variant_id = None
        if item.get("variant") is not None:
            variant_id = _as_int(item["variant"])
            if variant_id is None or variant_id <= 0:
                raise OrderError({"items": _("A variant must be the id of one of the product's variants.")})
        qty = _as_int(quantity)
        if qty is None or qty < 1 or qty > MAX_QUANTITY_PER_LINE:
            raise OrderError(
                {
                    "items": _("Quantity must be a whole number from 1 to %(max)d.")
                    % {"max": MAX_QUANTITY_PER_LINE}
                }
            )
        key = (product_id, variant_id)
        wanted[key] = wanted.get(key, 0) + qty
        if wanted[key] > MAX_QUANTITY_PER_LINE:
            raise OrderError(
                {"items": _("At most %(max)d of one product per order.") % {"max": MAX_QUANTITY_PER_LINE}}
            )
    return wanted


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Anything this large is not a product id or a quantity (and would overflow bigint).
        return value if abs(value) < 10**12 else None
    if isinstance(value, str) and len(value.strip()) <= 9:
        return parse_whole_number(value)
    return None


def _record(order: Order, kind: str, actor: User | None = None, **payload: Any) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, store_id=order.store_id, kind=kind, actor=actor, payload=payload
    )


def _next_order_number(store: Store) -> int:
    # The sequence row is locked until commit: two checkouts of one store take turns here only,
    # and the (store, number) unique constraint backs it up.
    OrderNumberSequence.objects.get_or_create(store_id=store.id)
    seq = OrderNumberSequence.objects.select_for_update().get(store_id=store.id)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return seq.last_number


def checkout_fingerprint(
    *, wanted: Mapping[LineKey, int], customer: CustomerDetails, payment_method: str, coupon_code: str = ""
) -> str:
    """A hash of what an order request asked for (its items, customer, payment method and coupon)."""
    asked: dict[str, Any] = {
        # [product, quantity], or [product, quantity, variant]: a key's hash from before variants holds.
        "items": sorted([pid, qty] if vid is None else [pid, qty, vid] for (pid, vid), qty in wanted.items()),
        "customer": [customer.name, customer.phone, customer.address, customer.pincode, customer.note],
        "payment_method": payment_method,
    }
    if coupon_code:
        asked["coupon"] = coupon_code.casefold()
    canonical = json.dumps(
        asked,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(store: Store, checkout_key: str, fingerprint: str) -> Order | None:
    """The order placed earlier with this key, if this is the same request again; else a conflict."""
    existing = Order.objects.filter(store_id=store.id, checkout_key=checkout_key).first()
    if existing is None:
        return None
    if not hmac.compare_digest(existing.checkout_fingerprint, fingerprint):
        raise IdempotencyConflict()
    return existing


def order_place(
    *,
    store: Store,
    items: OrderItems,
    customer: CustomerDetails,
    payment_method: str,
    checkout_key: str | None = None,
    client: str = "",
    coupon_code: str | None = None,
) -> Order:
    """Create an order, its line items and take its units out of stock, all or nothing.

    A `coupon_code` is applied or the order is refused (OrderError under "coupon"); its use is
    counted in the same transaction.

    Prices, names and totals are read from the database under a row lock; whatever the
    client believed a product cost is never consulted. With a `checkout_key`, repeating the
    same checkout (from the same `client`, e.g. the session; without one, the same items,
    customer and payment method) returns the order it already placed; the same key with anything else raises
    IdempotencyConflict and never hands out that order.
    """
    checkout_key = (checkout_key or "").strip()[:64] or None
    fingerprint = ""
    if checkout_key and client:
        # The web checkout's key is a secret of the form it was rendered into: bound to the
        # session, a double tap (whose cart is already empty) still finds its order.
        fingerprint = hashlib.sha256(f"client|{client}".encode()).hexdigest()
    elif checkout_key:
        fingerprint = checkout_fingerprint(
            wanted=clean_items(items),
            customer=customer,
            payment_method=payment_method,
            coupon_code=normalize_code(coupon_code),
        )
    if checkout_key:
        existing = _replayed(store, checkout_key, fingerprint)
        if existing is not None:
            return existing
    try:
        return _place_order(
            store=store,
            items=items,
            customer=customer,
            payment_method=payment_method,
            checkout_key=checkout_key,
            fingerprint=fingerprint,
            coupon_code=normalize_code(coupon_code),
        )
    except StockError as exc:
        raise OrderError(exc.message_dict) from None
    except IntegrityError:
        # Lost a race against the same checkout submitted twice: the first one won.
        if checkout_key:
            existing = _replayed(store, checkout_key, fingerprint)
            if existing is not None:
                return existing
        raise


def _place_order(
    *,
    store: Store,
    items: OrderItems,
    customer: CustomerDetails,
    payment_method: str,
    checkout_key: str | None,
    fingerprint: str,
    coupon_code: str = "",
) -> Order:
    if not store.is_active:
        raise OrderError({"store": _("This store is not taking orders right now.")})
    if payment_method not in PaymentMethod.values:
        choices = ", ".join(_(label) for label in PaymentMethod.labels)
        raise OrderError({"payment_method": _("Choose one of: %(choices)s.") % {"choices": choices}})
    wanted = clean_items(items)

    with transaction.atomic():
        # Locks in one order everywhere: the coupon row, then the products (by id), so concurrent
        # checkouts queue and never deadlock.
        coupon = coupon_by_code(store=store, code=coupon_code, for_update=True) if coupon_code else None
        lines: list[StockLine] = stock_reserve(store_id=store.id, wanted=wanted)
        subtotal = _subtotal(lines)
        discount, free_delivery = Decimal("0"), False
        if coupon_code:
            _coupon_check(coupon, subtotal=subtotal, phone=customer.phone)
            if not coupon_use_take(coupon=coupon):
                raise OrderError({"coupon": _("This coupon has been used up.")})
            discount, free_delivery = coupon_discount(coupon, subtotal)
        money = price_breakdown(
            store=store,
            subtotal=subtotal,
            payment_method=payment_method,
            charges=store_active_charges(store),
            discount=discount,
            free_delivery=free_delivery,
        )
        now = timezone.now()
        pay_first = payment_method == PaymentMethod.GATEWAY or payment_method == PaymentMethod.UPI
        order = Order.objects.create(
            store=store,
            number=_next_order_number(store),
            status=OrderStatus.PENDING_PAYMENT if pay_first else OrderStatus.PLACED,
            placed_at=None if pay_first else now,
            customer_name=customer.name,
            customer_phone=customer.phone,
            address=customer.address,
            pincode=customer.pincode,
            note=customer.note,
            payment_method=payment_method,
            currency=store.currency,
            subtotal=money.subtotal,
            discount=money.discount,
            delivery_fee=money.delivery_fee,
            charges=money.charges_as_json(),
            tax=money.tax,
            total=money.total,
            coupon=coupon,
            coupon_code=coupon.code if coupon else "",
            checkout_key=checkout_key,
            checkout_fingerprint=fingerprint,
        )
        OrderItem.objects.bulk_create(
            [
                OrderItem(
                    order=order,
                    product=line.product,
                    variant=line.variant,
                    name=line.product.name,
                    variant_label=line.label,
                    unit_price=line.unit_price,
                    quantity=line.units,
                    line_total=(line.unit_price * line.units).quantize(CENT),
                )
                for line in lines
            ]
        )
        _record(
            order,
            OrderEvent.PLACED,
            number=order.number,
            subtotal=str(order.subtotal),
            discount=str(order.discount),
            delivery_fee=str(order.delivery_fee),
            charges=order.charges,
            tax=str(order.tax),
            total=str(order.total),
            coupon=order.coupon_code or None,
            currency=order.currency,
            payment_method=payment_method,
            status=order.status,
            items=[_event_item(line) for line in lines],
        )
    return order


def _subtotal(lines: Iterable[StockLine]) -> Decimal:
    return sum(((line.unit_price * line.units).quantize(CENT) for line in lines), Decimal("0"))


def _event_item(line: StockLine) -> dict[str, Any]:
    item: dict[str, Any] = {
        "product": line.product.pk,
        "name": line.product.name,
        "unit_price": str(line.unit_price),
        "quantity": line.units,
    }
    if line.variant is not None:
        item["variant"] = line.variant.pk
        item["variant_label"] = line.label
    return item


def _coupon_check(coupon: Coupon | None, *, subtotal: Decimal, phone: str | None) -> None:
    """Refuse (OrderError under "coupon") a coupon this order cannot use; per customer by phone."""
    customer_uses = None
    if coupon is not None and coupon.per_customer_limit is not None and phone:
        customer_uses = (
            Order.objects.filter(coupon=coupon, customer_phone=phone)
            .exclude(status__in=CLOSED_STATUSES)
            .count()
        )
    refusal = coupon_refusal(coupon, subtotal=subtotal, now=timezone.now(), customer_uses=customer_uses)
    if refusal:
        raise OrderError({"coupon": refusal})


def order_quote(
    *,
    store: Store,
    items: OrderItems,
    payment_method: str,
    coupon_code: str | None = None,
    customer_phone: str | None = None,
) -> tuple[PriceBreakdown, Coupon | None]:
    """What an order of `items` would cost now, with the same checks and money rules as placing it,
    and the coupon applied; nothing is reserved, used or written. Raises OrderError naming the field."""
    by_method, coupon = order_quotes(
        store=store,
        items=items,
        payment_methods=[payment_method],
        coupon_code=coupon_code,
        customer_phone=customer_phone,
    )
    return by_method[payment_method], coupon


def order_quotes(
    *,
    store: Store,
    items: OrderItems,
    payment_methods: Iterable[str],
    coupon_code: str | None = None,
    customer_phone: str | None = None,
) -> tuple[dict[str, PriceBreakdown], Coupon | None]:
    """`order_quote` for several payment methods at once (the checkout page shows each): the
    products, the coupon and the charges are read once, and only the delivery fee differs."""
    methods = list(payment_methods)
    unknown = [method for method in methods if method not in PaymentMethod.values]
    if unknown:
        raise OrderError(
            {
                "payment_method": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(PaymentMethod.values)}
            }
        )
    wanted = clean_items(items)
    try:
        subtotal = _subtotal(stock_lines(store_id=store.id, wanted=wanted))
    except StockError as exc:
        raise OrderError(exc.message_dict) from None
    coupon, discount, free_delivery = None, Decimal("0"), False
    code = normalize_code(coupon_code)
    if code:
        coupon = coupon_by_code(store=store, code=code)
        _coupon_check(coupon, subtotal=subtotal, phone=customer_phone)
        discount, free_delivery = coupon_discount(coupon, subtotal)
    charges = store_active_charges(store)
    by_method = {
        method: price_breakdown(
            store=store,
            subtotal=subtotal,
            payment_method=method,
            charges=charges,
            discount=discount,
            free_delivery=free_delivery,
        )
        for method in methods
    }
    return by_method, coupon


def order_status_change(
    *,
    order: Order,
    status: str,
    actor: User | None = None,
    tracking_id: str | None = None,
    shipping_provider: str | None = None,
    reason: str | None = None,
    by_seller: bool = True,
) -> Order:
    """Move an order to `status` if the workflow allows it; cancelling puts its stock back once."""
    tracking_id = (tracking_id or "").strip()[:100]
    shipping_provider = (shipping_provider or "").strip()[:100]
    reason = (reason or "").strip()[:500]
    if status not in OrderStatus.values:
        raise OrderError(
            {
                "status": _("Unknown status. Use one of: %(choices)s.")
                % {"choices": ", ".join(OrderStatus.values)}
            }
        )

    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        allowed = locked.seller_transitions() if by_seller else locked.allowed_transitions()
        if status == locked.status and status == OrderStatus.SHIPPED and (tracking_id or shipping_provider):
            # Correcting the tracking details of a shipped order is not a move.
            locked.tracking_id = tracking_id or locked.tracking_id
            locked.shipping_provider = shipping_provider or locked.shipping_provider
            locked.save(update_fields=["tracking_id", "shipping_provider", "updated_at"])
            _record(
                locked,
                "order.tracking_updated",
                actor,
                tracking_id=locked.tracking_id,
                shipping_provider=locked.shipping_provider,
            )
            return locked
        if status not in allowed:
            current = _(locked.get_status_display()).lower()
            target = _(OrderStatus(status).label).lower()
            if allowed:
                options = ", ".join(_(OrderStatus(s).label).lower() for s in allowed)
                hint = _("It can go to: %(options)s.") % {"options": options}
            else:
                hint = _("It is final.")
            if locked.status == OrderStatus.PENDING_PAYMENT and status == OrderStatus.PLACED:
                hint = _("It becomes placed when its payment is confirmed (use “payment received”).")
            refused = _("An order that is %(current)s cannot be marked %(target)s.")
            raise OrderError({"status": f"{refused % {'current': current, 'target': target}} {hint}"})
        if status in CLOSED_STATUSES and not reason:
            raise OrderError(
                {"reason": _("Say why the order is cancelled or rejected; the customer sees it.")}
            )
        if status == OrderStatus.SHIPPED and not (tracking_id or shipping_provider):
            message = _(
                "Enter the shipping provider (or “self delivery”) and the tracking id if there is one."
            )
            raise OrderError({"shipping_provider": message})

        previous = locked.status
        now = timezone.now()
        locked.status = status
        fields = ["status", "updated_at"]
        stamp = {
            OrderStatus.PLACED: "placed_at",
            OrderStatus.ACCEPTED: "accepted_at",
            OrderStatus.SHIPPED: "shipped_at",
            OrderStatus.DELIVERED: "delivered_at",
            OrderStatus.CANCELLED: "closed_at",
            OrderStatus.REJECTED: "closed_at",
        }[OrderStatus(status)]
        setattr(locked, stamp, now)
        fields.append(stamp)
        if status == OrderStatus.SHIPPED:
            locked.tracking_id, locked.shipping_provider = tracking_id, shipping_provider
            fields += ["tracking_id", "shipping_provider"]
        if status in CLOSED_STATUSES:
            locked.reason = reason
            fields.append("reason")
            if not locked.stock_restored:
                # The coupon's use goes back with the units, under the same once-only flag.
                _restore_stock(locked)
                if locked.coupon_id is not None:
                    coupon_use_give_back(coupon_id=locked.coupon_id)
                locked.stock_restored = True
                fields.append("stock_restored")
        locked.save(update_fields=fields)
        _record(
            locked,
            OrderEvent.STATUS_CHANGED,
            actor,
            previous=previous,
            status=status,
            reason=reason,
            tracking_id=locked.tracking_id,
            shipping_provider=locked.shipping_provider,
        )
    return locked


def _restore_stock(order: Order) -> None:
    stock_release(
        units_by_line=[
            (i.product_id, i.variant_id, i.quantity) for i in order.items.all() if i.product_id is not None
        ]
    )


def order_mark_paid(*, order: Order, actor: User | None = None, source: str = "") -> Order:
    """Record that the order's money arrived. Call inside the transaction that captures the payment.

    A pending-payment order becomes placed. A cancelled order stays cancelled (the caller flags the
    payment for a refund); paying twice changes nothing.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_mark_paid must run inside the payment's transaction")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.paid_at is not None:
        return locked
    now = timezone.now()
    locked.paid_at = now
    fields = ["paid_at", "updated_at"]
    previous = locked.status
    if locked.status == OrderStatus.PENDING_PAYMENT:
        locked.status = OrderStatus.PLACED
        locked.placed_at = now
        fields += ["status", "placed_at"]
    locked.save(update_fields=fields)
    _record(locked, OrderEvent.PAID, actor, total=str(locked.total), currency=locked.currency, source=source)
    if previous != locked.status:
        _record(
            locked, OrderEvent.STATUS_CHANGED, actor, previous=previous, status=locked.status, reason="paid"
        )
    return locked


def order_event_record(*, order: Order, kind: str, actor: User | None = None, **payload: Any) -> OrderEvent:
    """Append an outbox row for `order` (used by payments for captures and reviews)."""
    return _record(order, kind, actor, **payload)


@dataclass(frozen=True)
class UnpaidRelease:
    """What `unpaid_orders_release` found and did: orders cancelled, and those paid or moved meanwhile."""

    found: list[Order]
    cancelled: list[Order]
    skipped: list[tuple[Order, str]]


def _hold_text(minutes: float) -> str:
    if minutes >= 60 and minutes % 60 == 0:
        hours = int(minutes // 60)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes:g} minute{'s' if minutes != 1 else ''}"


def unpaid_orders_release(
    *,
    gateway_minutes: float,
    upi_minutes: float | None,
    dry_run: bool = False,
    now: Any = None,
) -> UnpaidRelease:
    """Cancel orders still waiting for payment after their hold, so their units go back on sale.

    An unpaid order holds its stock; left for a day, five anonymous orders could take a small
    store's whole stock off sale (security review, issue 13). A gateway payment is done in
    minutes or never; UPI is confirmed by the seller by hand, so it gets a longer hold, or none
    with `upi_minutes=None`. Cash on delivery is never cancelled here.
    """
    if not gateway_minutes > 0 or (upi_minutes is not None and not upi_minutes > 0):  # also refuses NaN
        raise ValueError("A hold must be more than 0 minutes (orders younger than that are kept).")
    now = now or timezone.now()
    holds = {PaymentMethod.GATEWAY: gateway_minutes}
    if upi_minutes is not None:
        holds[PaymentMethod.UPI] = upi_minutes
    found: list[Order] = []
    for method, minutes in holds.items():
        found.extend(
            Order.objects.filter(
                status=OrderStatus.PENDING_PAYMENT,
                paid_at__isnull=True,
                payment_method=method,
                created_at__lt=now - timedelta(minutes=minutes),
            ).order_by("id")
        )
    found.sort(key=lambda order: order.id)
    cancelled: list[Order] = []
    skipped: list[tuple[Order, str]] = []
    if dry_run:
        return UnpaidRelease(found=found, cancelled=cancelled, skipped=skipped)
    for order in found:
        try:
            order_status_change(
                order=order,
                status=OrderStatus.CANCELLED,
                reason=f"Not paid within {_hold_text(holds[order.payment_method])}",
                by_seller=False,
            )
        except OrderError as exc:  # paid or moved meanwhile
            skipped.append((order, exc.messages[0]))
            continue
        cancelled.append(order)
    return UnpaidRelease(found=found, cancelled=cancelled, skipped=skipped)
