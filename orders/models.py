"""Orders: what a customer bought from a store, its line items and its life as events."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from coupons.models import Coupon
from products.models import Product, ProductVariant
from stores.models import Store

FIRST_ORDER_NUMBER = 1001


def new_order_token() -> str:
    # 32 url-safe characters (192 bits): the customer's order page cannot be guessed.
    return secrets.token_urlsafe(24)


class OrderStatus(models.TextChoices):
    # Labels stay plain text (logs, APIs, the seller's messages); they are only marked for the
    # catalogue, and shopper pages translate them as shown (gettext on the label).
    PENDING_PAYMENT = "pending_payment", gettext_noop("Pending payment")
    PLACED = "placed", gettext_noop("Placed")
    ACCEPTED = "accepted", gettext_noop("Accepted")
    SHIPPED = "shipped", gettext_noop("Shipped")
    DELIVERED = "delivered", gettext_noop("Delivered")
    CANCELLED = "cancelled", gettext_noop("Cancelled")
    REJECTED = "rejected", gettext_noop("Rejected")


class PaymentMethod(models.TextChoices):
    COD = "cod", gettext_noop("Cash on delivery")
    UPI = "upi", gettext_noop("UPI")
    GATEWAY = "gateway", gettext_noop("Card / UPI online")


# The only moves an order can make; everything else is refused with a message.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    OrderStatus.PENDING_PAYMENT: (OrderStatus.PLACED, OrderStatus.CANCELLED, OrderStatus.REJECTED),
    OrderStatus.PLACED: (OrderStatus.ACCEPTED, OrderStatus.CANCELLED, OrderStatus.REJECTED),
    OrderStatus.ACCEPTED: (OrderStatus.SHIPPED, OrderStatus.CANCELLED),
    OrderStatus.SHIPPED: (OrderStatus.DELIVERED,),
    OrderStatus.DELIVERED: (),
    OrderStatus.CANCELLED: (),
    OrderStatus.REJECTED: (),
}
# Moves a seller makes by hand; "placed" from "pending payment" only follows a confirmed payment.
SELLER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    status: tuple(
        t for t in targets if not (status == OrderStatus.PENDING_PAYMENT and t == OrderStatus.PLACED)
    )
    for status, targets in TRANSITIONS.items()
}
CLOSED_STATUSES = (OrderStatus.CANCELLED, OrderStatus.REJECTED)
# The customer's progress bar.
PROGRESS_STEPS = (
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.PLACED,
    OrderStatus.ACCEPTED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


class OrderNumberSequence(models.Model):
    """The last order number handed out in one store; its row is locked to hand out the next."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_number = models.PositiveIntegerField(default=FIRST_ORDER_NUMBER - 1)

    def __str__(self) -> str:
        return f"{self.store_id}: {self.last_number}"


class InvoiceSequence(models.Model):
    """The last tax-invoice number a store issued; its row is locked to issue the next (GST
    invoices of one seller must be numbered consecutively, without gaps)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.store_id}: {self.last_number}"


class Order(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    number = models.PositiveIntegerField(help_text="Per-store order number shown as #1001.")
    token = models.CharField(max_length=64, unique=True, default=new_order_token, editable=False)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED)

    customer_name = models.CharField(max_length=120)
    customer_phone = models.CharField(max_length=20, help_text="E.164")
    address = models.TextField(max_length=500)
    pincode = models.CharField(max_length=6)
    note = models.TextField(blank=True, max_length=500)

    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    currency = models.CharField(max_length=3, default="INR")
    # The money as fixed at placement (orders/pricing.py): total = subtotal - discount + delivery_fee
    # + the charges + tax. A seller editing fees later never changes a placed order.
    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    discount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    delivery_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    charges = models.JSONField(default=list, blank=True, help_text='[{"name", "amount"}] as charged')
    tax = models.DecimalField("GST", max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=14, decimal_places=2)
    # The coupon the order used (its use is given back with the stock on cancel/reject), and its
    # code as typed at placement: kept if the seller deletes the coupon later.
    coupon = models.ForeignKey(
        Coupon, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    coupon_code = models.CharField(max_length=30, blank=True)
    # Issued the first time the invoice is asked for, from the store's consecutive series.
    invoice_number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    invoiced_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True)

    tracking_id = models.CharField(max_length=100, blank=True)
    shipping_provider = models.CharField(max_length=100, blank=True)
    reason = models.CharField("cancel/reject reason", max_length=500, blank=True)
    # Set in the same transaction that puts the units back, so a cancel restores stock once.
    stock_restored = models.BooleanField(default=False)
    # Optional idempotency key from the checkout form / Idempotency-Key header: a double submit
    # (two taps, a retried request) returns the first order instead of placing a second one.
    checkout_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    # What the key was used for (a hash of the order asked for and the client's session): the same
    # key with another request is refused, never answered with this order.
    checkout_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField("cancelled/rejected at", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="order_unique_number_per_store"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.UniqueConstraint(
                fields=["store", "invoice_number"],
                name="order_unique_invoice_number_per_store",
                condition=Q(invoice_number__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["store", "checkout_key"],
                name="order_unique_checkout_key",
                condition=Q(checkout_key__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="order_store_created_idx"),
            models.Index(fields=["store", "status", "-created_at"], name="order_store_status_idx"),
            models.Index(fields=["customer_phone"], name="order_customer_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} ({self.store_id})"

    @property
    def display_number(self) -> str:
        return f"#{self.number}"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def awaits_online_payment(self) -> bool:
        """Placed with the online gateway and not paid yet: the customer still has to pay."""
        return self.payment_method == PaymentMethod.GATEWAY and self.status == OrderStatus.PENDING_PAYMENT

    @property
    def reference(self) -> str:
        """The reference a customer's UPI app carries back to the seller (tr= in upi://pay)."""
        return f"DK{self.store_id}-{self.number}"

    def allowed_transitions(self) -> tuple[str, ...]:
        return TRANSITIONS.get(self.status, ())

    def seller_transitions(self) -> tuple[str, ...]:
        return SELLER_TRANSITIONS.get(self.status, ())


class OrderItem(models.Model):
    """One line of an order: name and unit price are a snapshot taken when the order was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=120)
    # The variant's label when the order was placed ("M / Red"); empty for a product without variants.
    variant_label = models.CharField(max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.display_name}"

    @property
    def display_name(self) -> str:
        """ "Kurta (M / Red)": the line as the customer chose it."""
        return f"{self.name} ({self.variant_label})" if self.variant_label else self.name


class OrderEvent(models.Model):
    """Outbox: one row per thing that happened to an order, for later consumers to read.

    Written in the same transaction as the change it describes, so a consumer (notifications,
    analytics) never sees an event for a change that rolled back, nor misses one that committed.
    """

    PLACED = "order.placed"
    STATUS_CHANGED = "order.status_changed"
    PAID = "order.paid"
    PAYMENT_CAPTURED = "payment.captured"
    PAYMENT_FLAGGED = "payment.flagged"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Consumers mark what they have handled; unhandled rows are found by the partial index.
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], name="order_event_unconsumed_idx", condition=Q(consumed_at__isnull=True)
            ),
            models.Index(fields=["order", "id"], name="order_event_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.order_id}"


ZERO = Decimal("0.00")
