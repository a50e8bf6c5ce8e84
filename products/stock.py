"""Stock: the one place that takes units out of stock, puts them back, and words a shortage.

A line is a product, or one variant of it (Size M), and a number of units. Callers lock nothing
themselves: `stock_reserve` locks the product rows in primary-key order, then their variants in
primary-key order (so concurrent checkouts queue and never deadlock), and must run inside the
caller's transaction, which then holds those locks until it commits. Variant writes
(products/variants.py) take the same product lock first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from products.models import Product, ProductVariant
from products.variants import variants_stock

# (product id, variant id or None): one line of a cart or an order.
LineKey = tuple[int, int | None]


class StockError(ValidationError):
    """Units that cannot be had; the message is meant for the shopper."""


def line_name(product: Product, variant: ProductVariant | None = None) -> str:
    """ "Kurta (M / Red)", or just "Kurta": what a shopper reads for a line."""
    return f"{product.name} ({variant.label})" if variant is not None else product.name


def shortage_message(product: Product, wanted: int, variant: ProductVariant | None = None) -> str | None:
    """Why `wanted` units of `product` (or of its `variant`) cannot be had now, or None when they can."""
    name = line_name(product, variant)
    if not product.is_active or (variant is not None and not variant.is_active):
        return _("%(name)s is no longer available.") % {"name": name}
    stock = variant.stock if variant is not None else product.stock
    if stock is not None and stock < wanted:
        if stock == 0:
            return _("%(name)s is out of stock.") % {"name": name}
        return _("Only %(count)d of %(name)s left.") % {"count": stock, "name": name}
    return None


@dataclass(frozen=True)
class StockLine:
    """A line priced from the database: the product, the variant chosen (if it has variants), units."""

    product: Product
    variant: ProductVariant | None
    units: int

    @property
    def unit_price(self) -> Decimal:
        return self.variant.price if self.variant is not None else self.product.price

    @property
    def label(self) -> str:
        return self.variant.label if self.variant is not None else ""

    @property
    def key(self) -> LineKey:
        return (self.product.pk, self.variant.pk if self.variant is not None else None)


def variant_problem(
    product: Product, variant_id: int | None, variants: Mapping[int, ProductVariant]
) -> str | None:
    """Why `variant_id` cannot be ordered with `product` (SPEC section 7: required for a product
    with variants, refused for one without and for another product's), or None."""
    if variant_id is None:
        if product.has_variants:
            names = next((", ".join(v.options) for v in variants.values() if v.product_id == product.pk), "")
            return _("Choose the %(options)s of %(name)s.") % {
                "options": names or _("option"),
                "name": product.name,
            }
        return None
    if not product.has_variants:
        return _("%(name)s has no options to choose from: leave out the variant.") % {"name": product.name}
    variant = variants.get(variant_id)
    if variant is None or variant.product_id != product.pk:
        return _("That option is not one of %(name)s's.") % {"name": product.name}
    return None


def stock_lines(*, store_id: int, wanted: Mapping[LineKey, int], lock: bool = False) -> list[StockLine]:
    """The lines of `wanted` (line key -> units) with their products and variants, checked.

    Raises StockError (field "items") for a product not this store's, a variant that does not fit
    its product, or too few units (units of one variant on several lines count together). With
    `lock`, the rows stay locked (product ids, then variant ids, ascending) for the caller's
    transaction.
    """
    product_ids = sorted({product_id for product_id, _variant in wanted})
    products_qs = Product.objects.filter(store_id=store_id, id__in=product_ids).order_by("id")
    if lock:
        products_qs = products_qs.select_for_update()
    products = {p.id: p for p in products_qs}
    with_variants = [pid for pid in product_ids if pid in products and products[pid].has_variants]
    variants: dict[int, ProductVariant] = {}
    if with_variants or any(variant_id is not None for _product, variant_id in wanted):
        variants_qs = ProductVariant.objects.filter(store_id=store_id, product_id__in=product_ids).order_by(
            "id"
        )
        if lock:
            variants_qs = variants_qs.select_for_update()
        variants = {v.id: v for v in variants_qs}
    lines: list[StockLine] = []
    for (product_id, variant_id), units in sorted(wanted.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        product = products.get(product_id)
        if product is None:
            raise StockError({"items": _("One of the products is not sold by this store (any more).")})
        problem = variant_problem(product, variant_id, variants)
        variant = variants.get(variant_id) if variant_id is not None else None
        problem = problem or shortage_message(product, units, variant)
        if problem:
            raise StockError({"items": problem})
        lines.append(StockLine(product=product, variant=variant, units=units))
    return lines


def stock_reserve(*, store_id: int, wanted: Mapping[LineKey, int]) -> list[StockLine]:
    """Take `wanted` (line key -> units) out of stock, all or nothing; return the lines.

    Raises StockError (field "items") as `stock_lines` does, or when a line just sold out;
    nothing is taken then (the caller's transaction rolls back).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock_reserve must run inside the order's transaction")
    lines = stock_lines(store_id=store_id, wanted=wanted, lock=True)
    for line in lines:
        target = line.variant if line.variant is not None else line.product
        if target.stock is None:
            continue
        # Conditional update as a second guard: stock can never go below zero.
        model = type(target)
        updated = model.objects.filter(pk=target.pk, stock__gte=line.units).update(
            stock=F("stock") - line.units
        )
        if updated != 1:
            raise StockError(
                {"items": _("%(name)s just sold out.") % {"name": line_name(line.product, line.variant)}}
            )
        target.stock -= line.units
    _resync_products({line.product.pk for line in lines if line.variant is not None})
    return lines


def stock_release(*, units_by_line: Iterable[tuple[int, int | None, int]]) -> None:
    """Put units back (a cancelled or rejected order): (product id, variant id or None, units).

    Takes the locks in the order `stock_reserve` does: products, then variants, by primary key.
    """
    lines = sorted(units_by_line, key=lambda line: (line[0], line[1] or 0))
    product_ids = sorted({product_id for product_id, _variant, _units in lines})
    list(Product.objects.select_for_update().filter(pk__in=product_ids).order_by("id").values_list("id"))
    for product_id, variant_id, units in lines:
        # Unlimited stock (NULL) stays unlimited: the filter skips it. A variant deleted since
        # has nothing to take its units back.
        if variant_id is None:
            Product.objects.filter(pk=product_id, stock__isnull=False).update(stock=F("stock") + units)
        else:
            ProductVariant.objects.filter(pk=variant_id, stock__isnull=False).update(stock=F("stock") + units)
    _resync_products({product_id for product_id, variant_id, _units in lines if variant_id is not None})


def _resync_products(product_ids: set[int]) -> None:
    """A product's stock is its active variants' together: set it again after theirs changed."""
    if not product_ids:
        return
    active: dict[int, list[ProductVariant]] = {pid: [] for pid in product_ids}
    for variant in ProductVariant.objects.filter(product_id__in=product_ids, is_active=True):
        active[variant.product_id].append(variant)
    for product_id in sorted(product_ids):
        # .update(): only the stock column changes, which the catalogue logs as a stock-only change.
        Product.objects.filter(pk=product_id, has_variants=True).update(
            stock=variants_stock(active[product_id])
        )
