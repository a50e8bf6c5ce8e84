"""Discount coupons a seller runs ("DIWALI10"): what they give, when, and how often (SPEC section 7)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_noop

from stores.models import Store


class CouponKind(models.TextChoices):
    # Plain text (the API, the admin); marked for the catalogue, translated where a page shows them.
    PERCENT = "percent", gettext_noop("Percent off")
    FLAT = "flat", gettext_noop("Rupees off")
    FREE_DELIVERY = "free_delivery", gettext_noop("Free delivery")


class Coupon(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="coupons")
    code = models.CharField(max_length=30, help_text="What shoppers type; matched ignoring case.")
    kind = models.CharField(max_length=20, choices=CouponKind.choices)
    value = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="Percent or rupees off."
    )
    max_discount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The most a percent coupon takes off.",
    )
    min_order = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Smallest subtotal it applies to."
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders in all; empty: no limit."
    )
    per_customer_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders per customer phone; empty: no limit."
    )
    # Orders holding a use now: taken in the order's transaction, given back once on cancel/reject.
    used_count = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Lower("code"), "store", name="coupon_unique_code_per_store_any_case"),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used_count__lte=models.F("usage_limit")),
                name="coupon_used_within_limit",
            ),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__gt=0, value__lte=100), name="coupon_percent_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.store_id})"
