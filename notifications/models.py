"""Notifications: one row per message to a seller or a customer, made from the order outbox.

The outbox (orders.OrderEvent) is the source of truth; the relay turns each event into the
notifications it implies, in one transaction that also marks the event handled, so an event yields
its notifications exactly once. Delivery is at least once: a notification is sent until the
provider accepts it, always with the same idempotency key, so the provider drops a repeat.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderEvent
from stores.models import Store


class Kind(models.TextChoices):
    """The events of SPEC section 7: the first goes to the seller, the others to the customer."""

    ORDER_PLACED = "order.placed", _("New order (to you)")
    ORDER_RECEIVED = "order.received", _("Order received (confirmation to the customer)")
    ORDER_ACCEPTED = "order.accepted", _("Order accepted")
    ORDER_SHIPPED = "order.shipped", _("Order shipped (with tracking)")
    ORDER_DELIVERED = "order.delivered", _("Order delivered")
    ORDER_CANCELLED = "order.cancelled", _("Order cancelled")
    ORDER_REJECTED = "order.rejected", _("Order rejected")
    PAYMENT_CAPTURED = "payment.captured", _("Payment received")


SELLER_KINDS = frozenset({Kind.ORDER_PLACED})


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


def new_idempotency_key() -> str:
    return f"ntf_{uuid.uuid4().hex}"


class Notification(models.Model):
    """One message to one phone. Its text is rendered once, when the event is relayed."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    # The outbox row it came from; pruning old outbox rows leaves the notification.
    event = models.ForeignKey(OrderEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    recipient = models.CharField(max_length=20, help_text="E.164")
    message = models.TextField()
    # Sent with every try of this notification (body and Idempotency-Key header): never changes.
    idempotency_key = models.CharField(
        max_length=64, unique=True, default=new_idempotency_key, editable=False
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Pending: not to be sent before this. Sending: another worker may take it after this (a
    # worker killed in the middle of a send leaves it behind).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When it was last handed to the broker: the sweep re-sends only what has waited a while.
    enqueued_at = models.DateTimeField(null=True, blank=True)

    # The provider's last answer: HTTP status (None: no answer, e.g. a timeout) and body.
    provider_status = models.PositiveSmallIntegerField(null=True, blank=True)
    provider_response = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The relay may read an event twice (two workers, a retry): it still makes one of each.
            models.UniqueConstraint(
                fields=["event", "kind"],
                name="notification_one_per_event_kind",
                condition=Q(event__isnull=False),
            ),
        ]
        indexes = [
            # What the sweep and /readyz look for: everything not yet delivered or failed.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_undelivered_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["store", "-created_at"], name="notification_store_idx"),
            models.Index(fields=["status", "-created_at"], name="notification_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"

    @property
    def to_seller(self) -> bool:
        return self.kind in SELLER_KINDS


class NotificationSettings(models.Model):
    """A store's choice of which notifications go out; a store without a row gets the defaults.

    Kept here, not on Store: the stores app may not know of notifications (the layer rule).
    """

    store = models.OneToOneField(Store, on_delete=models.CASCADE, primary_key=True, related_name="+")
    order_placed = models.BooleanField(_("Tell me about each new order"), default=True)
    order_received = models.BooleanField(_("Confirm each order to the customer"), default=False)
    order_accepted = models.BooleanField(_("Tell the customer when I accept an order"), default=True)
    order_shipped = models.BooleanField(_("Tell the customer when an order ships"), default=True)
    order_delivered = models.BooleanField(_("Tell the customer when an order is delivered"), default=True)
    order_cancelled = models.BooleanField(_("Tell the customer when an order is cancelled"), default=True)
    order_rejected = models.BooleanField(_("Tell the customer when I reject an order"), default=True)
    payment_captured = models.BooleanField(_("Tell the customer when their payment arrives"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of store {self.store_id}"

    @staticmethod
    def field_for(kind: str) -> str:
        """ "order.placed" -> "order_placed": one boolean field per kind."""
        return kind.replace(".", "_")

    def sends(self, kind: str) -> bool:
        return bool(getattr(self, self.field_for(kind)))


PREFERENCE_FIELDS = tuple(NotificationSettings.field_for(kind) for kind in Kind.values)
