"""Reads for checkout: the visitor's cart priced from the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from products.models import Product
from products.stock import shortage_message
from stores.models import Store


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def available(self) -> bool:
        return shortage_message(self.product, self.quantity) is None


@dataclass(frozen=True)
class CartView:
    lines: list[CartLine]
    # Product ids in the session cart that no longer exist in this store (deleted products).
    missing: list[int]

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines if line.available), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return bool(self.missing) or any(not line.available for line in self.lines)


def cart_view(*, store: Store, cart: dict[int, int]) -> CartView:
    """The cart with current prices (one query); the client's idea of a price never enters."""
    products = Product.objects.filter(store=store, id__in=cart.keys()).in_bulk() if cart else {}
    lines = [CartLine(products[pid], qty) for pid, qty in cart.items() if pid in products]
    return CartView(lines=lines, missing=[pid for pid in cart if pid not in products])
