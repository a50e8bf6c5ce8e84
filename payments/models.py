"""Payments tied to orders, and the raw events payment providers send us."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from orders.models import Order


class PaymentStatus(models.TextChoices):
    # Plain text like the order's statuses; marked for the catalogue, the seller's order page translates them.
    PENDING = "pending", gettext_noop("Pending")
    CAPTURED = "captured", gettext_noop("Captured")
    FAILED = "failed", gettext_noop("Failed")


class Payment(models.Model):
    """One attempt to collect an order's money: a gateway checkout, or a UPI/COD receipt."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=10, help_text="cod, upi or gateway (as on the order)")
    provider = models.CharField(max_length=30, blank=True, help_text="Gateway name, empty for UPI/COD")
    # Our reference handed to the gateway; its webhooks name the payment by it.
    provider_ref = models.CharField(max_length=64, null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="INR")
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    captured_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    flagged_for_review = models.BooleanField(default=False, db_index=True)
    review_reason = models.CharField(max_length=500, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The seller who said “payment received” (UPI / cash).",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_ref"],
                name="payment_unique_provider_ref",
                condition=Q(provider_ref__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency} ({self.status})"

    def get_method_display(self) -> str:
        return {"cod": "Cash on delivery", "upi": "UPI", "gateway": gettext_noop("Gateway")}.get(
            self.method, self.method
        )


class PaymentEventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    INVALID = "invalid", "Invalid (unreadable)"


class PaymentEvent(models.Model):
    """A webhook exactly as it arrived (signature already checked), stored before any processing.

    The unique (provider, event_id) constraint is what makes processing idempotent: a provider
    that delivers the same event three times gets one row.
    """

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=100, null=True, blank=True)
    event_type = models.CharField(max_length=60, blank=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    body = models.TextField(help_text="Raw request body")
    status = models.CharField(
        max_length=10, choices=PaymentEventStatus.choices, default=PaymentEventStatus.PENDING, db_index=True
    )
    outcome = models.CharField(max_length=300, blank=True, help_text="What processing did with it")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"],
                name="payment_event_unique_id",
                condition=Q(event_id__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id or '?'} {self.event_type} ({self.status})"
