from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from stores.phone import normalize_phone

# Slugs that would shadow a site route at the root (`/<slug>/`) or confuse shoppers.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "dashboard",
        "static",
        "media",
        "healthz",
        "readyz",
        "o",
        "orders",
        "pay",
        "payments",
        "cart",
        "checkout",
        "login",
        "logout",
        "signup",
        "account",
        "accounts",
        "store",
        "stores",
        "help",
        "support",
        "about",
        "terms",
        "privacy",
        "www",
        "mail",
        "dukaan",
        "favicon.ico",
        "robots.txt",
        "sitemap.xml",
        "new",
    }
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(phone=normalize_phone(phone), **extra)
        if password:
            user.set_password(password)
        else:
            # Sellers never have a password: they sign in with a one-time code.
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class Language(models.TextChoices):
    """The interface languages (settings.LANGUAGES); sellers' own texts are never translated."""

    EN = "en", "English"
    HI = "hi", "हिन्दी"


class User(AbstractBaseUser, PermissionsMixin):
    """A person on Dukaan, identified by a mobile number in E.164 form."""

    phone = models.CharField("mobile number", max_length=20, unique=True)
    name = models.CharField(max_length=120, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the admin site.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The seller's own choice for the dashboard; the storefront follows Store.language instead.
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["-date_joined"]

    def __str__(self) -> str:
        return self.phone


class Store(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stores")
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=50, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    currency = models.CharField(max_length=3, default="INR")
    whatsapp_number = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +919876543210")
    upi_id = models.CharField("UPI id", max_length=100, blank=True, help_text="e.g. shopname@okaxis")
    logo = models.FileField(upload_to="logos/", blank=True, max_length=255)
    is_active = models.BooleanField(default=True)
    # What an order costs on top of its goods (SPEC section 7; the rules: orders/pricing.py).
    delivery_fee = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    free_delivery_above = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Empty: delivery is never free."
    )
    delivery_fee_online = models.DecimalField(
        "delivery fee when paid online",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="For UPI and gateway orders; empty: the same as the delivery fee.",
    )
    gstin = models.CharField("GSTIN", max_length=15, blank=True)
    gst_percent = models.DecimalField("GST %", max_digits=5, decimal_places=2, default=Decimal("0"))
    # The language of the shopper pages (storefront, cart, checkout, order); `?lang=` overrides it.
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery_fee__gte=0)
                & (Q(free_delivery_above__isnull=True) | Q(free_delivery_above__gte=0))
                & (Q(delivery_fee_online__isnull=True) | Q(delivery_fee_online__gte=0))
                & Q(gst_percent__gte=0, gst_percent__lte=100),
                name="store_fees_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def public_url(self) -> str:
        return f"{settings.DUKAAN_PUBLIC_URL}/{self.slug}/"


class ChargeKind(models.TextChoices):
    PERCENT = "percent", "Percent of the goods"
    FLAT = "flat", "Flat amount per order"


class StoreCharge(models.Model):
    """An extra charge a store adds to every order (packing, a service fee), flat or a percent."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="charges")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=ChargeKind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & (Q(kind="flat") | Q(amount__lte=100)),
                name="store_charge_amount_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.amount}{'%' if self.kind == ChargeKind.PERCENT else ''})"


class OtpChallenge(models.Model):
    """One one-time code sent to a phone. Only a keyed hash of the code is stored."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["phone", "-created_at"]),
            models.Index(fields=["requested_ip", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"OTP for {self.phone} at {self.created_at:%Y-%m-%d %H:%M}"
