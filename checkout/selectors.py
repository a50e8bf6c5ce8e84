"""Reads for checkout: the visitor's cart priced from the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from products.models import Product, ProductVariant
from products.stock import LineKey, line_name, shortage_message, variant_problem
from stores.models import Store


@dataclass(frozen=True)
class CartLine:
    product: Product
    variant: ProductVariant | None
    quantity: int

    @property
    def key(self) -> LineKey:
        return (self.product.pk, self.variant.pk if self.variant is not None else None)

    @property
    def key_text(self) -> str:
        """The line's name in the cart form ("12", or "12:7" for a variant)."""
        product_id, variant_id = self.key
        return str(product_id) if variant_id is None else f"{product_id}:{variant_id}"

    @property
    def name(self) -> str:
        return line_name(self.product, self.variant)

    @property
    def unit_price(self) -> Decimal:
        return self.variant.price if self.variant is not None else self.product.price

    @property
    def stock(self) -> int | None:
        return self.variant.stock if self.variant is not None else self.product.stock

    @property
    def is_for_sale(self) -> bool:
        return self.product.is_active and (self.variant is None or self.variant.is_active)

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def available(self) -> bool:
        return shortage_message(self.product, self.quantity, self.variant) is None


@dataclass(frozen=True)
class CartView:
    lines: list[CartLine]
    # Lines in the session cart that no longer fit this store: a deleted product or variant, or a
    # product whose options changed since (it gained or lost its variants).
    missing: list[LineKey]

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines if line.available), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return bool(self.missing) or any(not line.available for line in self.lines)


def cart_view(*, store: Store, cart: dict[LineKey, int]) -> CartView:
    """The cart with current prices (one query, two with variants); the client's idea of a price
    never enters."""
    product_ids = {product_id for product_id, _variant in cart}
    products = Product.objects.filter(store=store, id__in=product_ids).in_bulk() if cart else {}
    variant_ids = {variant_id for _product, variant_id in cart if variant_id is not None}
    variants = ProductVariant.objects.filter(store=store, id__in=variant_ids).in_bulk() if variant_ids else {}
    lines: list[CartLine] = []
    missing: list[LineKey] = []
    for (product_id, variant_id), quantity in cart.items():
        product = products.get(product_id)
        if product is None or variant_problem(product, variant_id, variants):
            missing.append((product_id, variant_id))
            continue
        variant = variants.get(variant_id) if variant_id is not None else None
        lines.append(CartLine(product, variant, quantity))
    return CartView(lines=lines, missing=missing)
