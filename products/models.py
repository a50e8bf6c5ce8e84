from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from stores.models import Store

# Prices are rupees with paise; anything above a crore for one item is a typo.
MIN_PRICE = Decimal("0.01")
MAX_PRICE = Decimal("10000000.00")
MAX_STOCK = 1_000_000


class Category(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=60)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="category_unique_name_per_store")
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=5000)
    price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(MIN_PRICE), MaxValueValidator(MAX_PRICE)],
    )
    mrp = models.DecimalField(
        "MRP",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_PRICE), MaxValueValidator(MAX_PRICE)],
        help_text="Maximum retail price, shown struck through when above the price.",
    )
    # Empty stock means the seller does not count (unlimited).
    stock = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(MAX_STOCK)])
    # Image variants, content-addressed (see products/images.py); empty when no photo.
    image_thumb = models.FileField(max_length=255, blank=True)
    image_large = models.FileField(max_length=255, blank=True)
    # 128 px, for the seller's product list; empty for photos stored before it existed.
    image_small = models.FileField(max_length=255, blank=True)
    image_sha256 = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField("visible", default=True)
    # With variants, `price`/`mrp` are the cheapest active variant's and `stock` the sum of the
    # active variants' (None when one is unlimited), kept by products.variants under this row's
    # lock, so listing, sorting and search read one table whatever the product sells in.
    has_variants = models.BooleanField(default=False, editable=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "-id"]
        indexes = [
            # ORDER BY price on a big store must walk an index, not sort the table.
            models.Index(fields=["store", "is_active", "price"], name="product_store_price_idx"),
            models.Index(fields=["store", "is_active", "position"], name="product_store_position_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
            models.CheckConstraint(
                condition=Q(mrp__isnull=True) | Q(mrp__gte=F("price")), name="product_mrp_not_below_price"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0


class ProductVariant(models.Model):
    """One buyable option of a product (Size M, or Size M + Colour Red) with its own price and stock."""

    # The store as well as the product: the catalogue trigger logs changes per store, and owner
    # checks filter on it without a join.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="product_variants")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # Option name -> value, in the seller's order, e.g. {"Size": "M", "Colour": "Red"}.
    options = models.JSONField()
    # The options casefolded and sorted: two variants of one product never mean the same thing.
    options_key = models.CharField(max_length=300, editable=False)
    # What the shopper and the order line read: the values joined, e.g. "M / Red".
    label = models.CharField(max_length=200, editable=False)
    price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(MIN_PRICE), MaxValueValidator(MAX_PRICE)],
    )
    mrp = models.DecimalField(
        "MRP",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_PRICE), MaxValueValidator(MAX_PRICE)],
    )
    # Empty stock means the seller does not count (unlimited), as for a product.
    stock = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(MAX_STOCK)])
    sku = models.CharField("SKU", max_length=64, blank=True)
    is_active = models.BooleanField("on sale", default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "options_key"], name="variant_unique_options"),
            models.UniqueConstraint(
                fields=["store", "sku"], condition=~Q(sku=""), name="variant_unique_sku_per_store"
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="variant_price_positive"),
            models.CheckConstraint(
                condition=Q(mrp__isnull=True) | Q(mrp__gte=F("price")), name="variant_mrp_not_below_price"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} ({self.label})" if self.product_id else self.label

    @property
    def in_stock(self) -> bool:
        return self.is_active and (self.stock is None or self.stock > 0)
