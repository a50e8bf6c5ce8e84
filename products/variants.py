"""Writes to a product's variants (Size M, Colour Red...), and the product fields they decide.

Every write locks the product row first and then re-derives the product's own price, MRP and
stock from its variants (`Product.has_variants`), so the storefront, sorting and search keep
reading products alone. Stock takes the same product lock (products/stock.py), so a seller's edit
and a checkout take turns and the derived stock is never stale.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from products.models import Product, ProductVariant
from products.prices import clean_price, mrp_refusal

# A variant's stock follows the product's rules and words; UNSET is "not given", as there.
from products.services import UNSET, _clean_stock

MAX_OPTIONS = 3  # Size, Colour, Material: more is a different product
MAX_VARIANTS_PER_PRODUCT = 100
OPTION_NAME_MAX = 30
OPTION_VALUE_MAX = 40
SKU_MAX = 64
LABEL_SEPARATOR = " / "


def clean_options(value: Any) -> dict[str, str]:
    """`{"Size": "M", "Colour": "Red"}` trimmed, or ValidationError saying what is wrong."""
    if not isinstance(value, Mapping) or not value:
        raise ValidationError(_('Options must name at least one option and its value, e.g. {"Size": "M"}.'))
    if len(value) > MAX_OPTIONS:
        raise ValidationError(_("A variant can have at most %(max)d options.") % {"max": MAX_OPTIONS})
    options: dict[str, str] = {}
    seen: set[str] = set()
    for raw_name, raw_value in value.items():
        name = raw_name.strip() if isinstance(raw_name, str) else ""
        option = raw_value.strip() if isinstance(raw_value, str) else ""
        if not name or not option:
            raise ValidationError(_("Each option needs a name and a value, e.g. Size: M."))
        if len(name) > OPTION_NAME_MAX:
            raise ValidationError(
                _("Keep option names under %(max)d characters.") % {"max": OPTION_NAME_MAX + 1}
            )
        if len(option) > OPTION_VALUE_MAX:
            raise ValidationError(
                _("Keep option values under %(max)d characters.") % {"max": OPTION_VALUE_MAX + 1}
            )
        if name.casefold() in seen:
            raise ValidationError(_("The option %(name)s is named twice.") % {"name": name})
        seen.add(name.casefold())
        options[name] = option
    return options


def options_key(options: Mapping[str, str]) -> str:
    """The options in a form where "size: m" and "Size: M" are the same variant."""
    return "|".join(
        f"{name.casefold()}={value.casefold()}"
        for name, value in sorted(options.items(), key=lambda kv: kv[0].casefold())
    )


def options_label(options: Mapping[str, str]) -> str:
    return LABEL_SEPARATOR.join(options.values())


def _option_names(options: Mapping[str, str]) -> frozenset[str]:
    return frozenset(name.casefold() for name in options)


def _clean_sku(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("SKU must be text."))
    sku = value.strip()
    if len(sku) > SKU_MAX:
        raise ValidationError(_("Keep the SKU under %(max)d characters.") % {"max": SKU_MAX + 1})
    return sku


def _lock_product(product: Product) -> Product:
    return Product.objects.select_for_update().get(pk=product.pk)


def product_variants_sync(product: Product) -> Product:
    """Derive the (locked) product's price, MRP, stock and `has_variants` from its variants.

    The price shown is the cheapest active variant's (the card reads "from"); the stock is what
    all active variants hold together, unlimited when one of them is. With no variant on sale the
    product is sold out.
    """
    variants = list(ProductVariant.objects.filter(product_id=product.pk).order_by("position", "id"))
    fields = ["has_variants"]
    product.has_variants = bool(variants)
    if variants:
        active = [v for v in variants if v.is_active]
        cheapest = min(active or variants, key=lambda v: (v.price, v.position, v.id))
        product.price, product.mrp = cheapest.price, cheapest.mrp
        product.stock = variants_stock(active)
        fields += ["price", "mrp", "stock"]
    Product.objects.filter(pk=product.pk).update(**{name: getattr(product, name) for name in fields})
    return product


def variants_stock(active: Iterable[ProductVariant]) -> int | None:
    """Units of a product with variants: the active variants' together; None (unlimited) if one is."""
    total = 0
    for variant in active:
        if variant.stock is None:
            return None
        total += variant.stock
    return total


def _check_names_match(product: Product, options: Mapping[str, str], exclude_pk: int | None) -> None:
    others = ProductVariant.objects.filter(product_id=product.pk)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    first = others.order_by("position", "id").first()
    if first is not None and _option_names(first.options) != _option_names(options):
        names = ", ".join(first.options)
        raise ValidationError(
            {
                "options": _("Every variant of %(product)s has the options %(names)s.")
                % {"product": product.name, "names": names}
            }
        )


def _save(variant: ProductVariant) -> ProductVariant:
    """Save, refusing options the product already has or a SKU the store already uses (checked
    first for the message; the unique constraints decide a race the same way)."""
    siblings = ProductVariant.objects.filter(product_id=variant.product_id).exclude(pk=variant.pk)
    if siblings.filter(options_key=variant.options_key).exists():
        raise ValidationError({"options": _("This product already has a variant with these options.")})
    if (
        variant.sku
        and ProductVariant.objects.filter(store_id=variant.store_id, sku=variant.sku)
        .exclude(pk=variant.pk)
        .exists()
    ):
        raise ValidationError({"sku": _("Another variant in your store has this SKU.")})
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError:
        raise ValidationError(
            {"options": _("This product already has a variant with these options.")}
        ) from None
    return variant


def _validated_fields(
    *, price: Any, mrp: Any, stock: Any, sku: Any, is_active: Any, current: ProductVariant | None
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}

    def collect(field: str, func, *args, **kwargs) -> None:
        try:
            fields[field] = func(*args, **kwargs)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)

    if price is not UNSET:
        collect("price", clean_price, price, label=_("Price"))
    if mrp is not UNSET:
        if mrp in (None, ""):
            fields["mrp"] = None
        else:
            collect("mrp", clean_price, mrp, label=_("MRP"))
    if stock is not UNSET:
        collect("stock", _clean_stock, stock)
    if sku is not UNSET:
        collect("sku", _clean_sku, sku)
    if is_active is not UNSET:
        if isinstance(is_active, bool):
            fields["is_active"] = is_active
        else:
            errors.setdefault("is_active", []).append(_("On sale must be true or false."))
    new_price = fields.get("price", current.price if current else None)
    new_mrp = fields.get("mrp", current.mrp if current else None)
    refusal = mrp_refusal(price=new_price, mrp=new_mrp, mrp_changed="mrp" in fields)
    if refusal and not {"price", "mrp"} & set(errors):
        errors.setdefault(refusal[0], []).append(refusal[1])
    if errors:
        raise ValidationError(errors)
    return fields


def _validated_input(
    *,
    options: Any,
    price: Any,
    mrp: Any,
    stock: Any,
    sku: Any,
    is_active: Any,
    current: ProductVariant | None,
) -> tuple[dict[str, str] | None, dict[str, Any]]:
    """The options (None when not given) and fields of a variant write, or every refusal at once."""
    errors: dict[str, list[str]] = {}
    cleaned_options = None
    if options is not UNSET:
        try:
            cleaned_options = clean_options(options)
        except ValidationError as exc:
            errors["options"] = exc.messages
    fields: dict[str, Any] = {}
    try:
        fields = _validated_fields(
            price=price, mrp=mrp, stock=stock, sku=sku, is_active=is_active, current=current
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned_options, fields


def variant_create(
    *,
    product: Product,
    options: Any,
    price: Any = UNSET,
    mrp: Any = UNSET,
    stock: Any = UNSET,
    sku: Any = "",
    is_active: Any = True,
) -> ProductVariant:
    """Add a variant to `product`. Without a price it sells at the product's price (and MRP)."""
    cleaned_options, fields = _validated_input(
        options=options, price=price, mrp=mrp, stock=stock, sku=sku, is_active=is_active, current=None
    )
    with transaction.atomic():
        locked = _lock_product(product)
        if price is UNSET:
            # The product's own price until now: its first variants inherit it.
            fields["price"] = locked.price
            fields.setdefault("mrp", locked.mrp if locked.mrp is None or locked.mrp >= locked.price else None)
        refusal = mrp_refusal(price=fields["price"], mrp=fields.get("mrp"), mrp_changed=True)
        if refusal:
            raise ValidationError({refusal[0]: refusal[1]})
        existing = ProductVariant.objects.filter(product_id=locked.pk).count()
        if existing >= MAX_VARIANTS_PER_PRODUCT:
            raise ValidationError(
                {
                    "options": _("A product can have at most %(max)d variants.")
                    % {"max": MAX_VARIANTS_PER_PRODUCT}
                }
            )
        _check_names_match(locked, cleaned_options, exclude_pk=None)
        variant = _save(
            ProductVariant(
                store_id=locked.store_id,
                product=locked,
                options=cleaned_options,
                options_key=options_key(cleaned_options),
                label=options_label(cleaned_options),
                position=existing,
                **fields,
            )
        )
        product_variants_sync(locked)
    _refresh(product, locked)
    return variant


def variants_create_combinations(
    *,
    product: Product,
    choices: Iterable[tuple[Any, Any]],
    price: Any = UNSET,
    stock: Any = UNSET,
) -> tuple[list[ProductVariant], int]:
    """The seller's "Size: S, M, L" (and "Colour: Red, Blue") in one go: a variant for every
    combination of the comma-separated choices, all or none. Combinations the product already
    has are left as they are; returns (the variants added, how many were already there).

    Raises ValidationError keyed "choices".
    """
    names: list[str] = []
    value_lists: list[list[str]] = []
    for raw_name, raw_values in choices:
        name = raw_name.strip() if isinstance(raw_name, str) else ""
        values = [v.strip() for v in raw_values.split(",")] if isinstance(raw_values, str) else []
        values = [v for v in values if v]
        if not name and not values:
            continue  # an option row left empty
        if not name:
            raise ValidationError({"choices": _("Name the option, e.g. Size or Colour.")})
        if not values:
            raise ValidationError(
                {
                    "choices": _("List the choices of %(name)s separated by commas, e.g. S, M, L.")
                    % {"name": name}
                }
            )
        folded = [v.casefold() for v in values]
        if len(set(folded)) != len(folded):
            raise ValidationError(
                {"choices": _("Each choice of %(name)s can be listed only once.") % {"name": name}}
            )
        names.append(name)
        value_lists.append(values)
    if not names:
        raise ValidationError({"choices": _("Name an option and list its choices, e.g. Size: S, M, L.")})
    combinations = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*value_lists)]
    if len(combinations) > MAX_VARIANTS_PER_PRODUCT:
        raise ValidationError(
            {"choices": _("A product can have at most %(max)d variants.") % {"max": MAX_VARIANTS_PER_PRODUCT}}
        )
    created: list[ProductVariant] = []
    existing = 0
    with transaction.atomic():
        have = set(ProductVariant.objects.filter(product_id=product.pk).values_list("options_key", flat=True))
        for options in combinations:
            try:
                key = options_key(clean_options(options))
            except ValidationError as exc:
                raise ValidationError({"choices": exc.messages}) from None
            if key in have:
                existing += 1
                continue
            try:
                created.append(variant_create(product=product, options=options, price=price, stock=stock))
            except ValidationError as exc:
                errors = exc.message_dict
                if "options" in errors:
                    errors["choices"] = errors.pop("options")
                raise ValidationError(errors) from None
            have.add(key)
    return created, existing


def variant_update(
    *,
    variant: ProductVariant,
    options: Any = UNSET,
    price: Any = UNSET,
    mrp: Any = UNSET,
    stock: Any = UNSET,
    sku: Any = UNSET,
    is_active: Any = UNSET,
) -> ProductVariant:
    """Change the given fields of `variant`; the product's price and stock follow."""
    cleaned_options, fields = _validated_input(
        options=options, price=price, mrp=mrp, stock=stock, sku=sku, is_active=is_active, current=variant
    )
    with transaction.atomic():
        locked_product = _lock_product(variant.product)
        locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
        if cleaned_options is not None:
            _check_names_match(locked_product, cleaned_options, exclude_pk=locked.pk)
            locked.options = cleaned_options
            locked.options_key = options_key(cleaned_options)
            locked.label = options_label(cleaned_options)
        for name, value in fields.items():
            setattr(locked, name, value)
        _save(locked)
        product_variants_sync(locked_product)
    _refresh(variant.product, locked_product)
    for name in (
        "options",
        "options_key",
        "label",
        "price",
        "mrp",
        "stock",
        "sku",
        "is_active",
        "updated_at",
    ):
        setattr(variant, name, getattr(locked, name))
    return variant


def variant_delete(*, variant: ProductVariant) -> None:
    """Remove a variant. Orders keep their lines (with the label they were placed with)."""
    with transaction.atomic():
        locked_product = _lock_product(variant.product)
        ProductVariant.objects.filter(pk=variant.pk).delete()
        product_variants_sync(locked_product)
    _refresh(variant.product, locked_product)


def variants_stock_update(
    *, product: Product, changes: Mapping[int, Mapping[str, Any]]
) -> list[ProductVariant]:
    """The dashboard's stock table: price, stock and on-sale of several variants, all or none.

    `changes` maps variant id -> {"price", "stock", "is_active"}; an id of another product is refused.
    Raises ValidationError keyed "<variant id>-<field>".
    """
    variants = {v.pk: v for v in ProductVariant.objects.filter(product_id=product.pk)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, dict[str, Any]] = {}
    for variant_id, change in changes.items():
        variant = variants.get(variant_id)
        if variant is None:
            raise ValidationError({"variants": _("One of the variants is not this product's (any more).")})
        try:
            cleaned[variant_id] = _validated_fields(
                price=change.get("price", UNSET),
                mrp=change.get("mrp", UNSET),
                stock=change.get("stock", UNSET),
                sku=change.get("sku", UNSET),
                is_active=change.get("is_active", UNSET),
                current=variant,
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"{variant_id}-{field}"] = messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked_product = _lock_product(product)
        locked = {
            v.pk: v for v in ProductVariant.objects.select_for_update().filter(pk__in=cleaned).order_by("id")
        }
        for variant_id, fields in sorted(cleaned.items()):
            variant = locked[variant_id]
            for name, value in fields.items():
                setattr(variant, name, value)
            _save(variant)
        product_variants_sync(locked_product)
    _refresh(product, locked_product)
    return [locked[variant_id] for variant_id in sorted(locked)]


def _refresh(product: Product, synced: Product) -> None:
    """Keep the caller's product instance current (views render it right after)."""
    for name in ("has_variants", "price", "mrp", "stock"):
        setattr(product, name, getattr(synced, name))
