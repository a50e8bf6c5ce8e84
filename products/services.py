"""Every write to the catalogue: products and categories.

Services validate everything themselves (pages and API parse input into types, this module
decides what is allowed), raise django.core.exceptions.ValidationError with a message per
field, and change nothing when they refuse. Stored photos follow the database: files written
for a failed write are deleted, and files a product no longer uses are deleted after commit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from products.images import ProcessedImage, delete_stored_files, process_product_image
from products.models import MAX_STOCK, Category, Product
from products.prices import clean_price, mrp_refusal
from stores.models import Store

NAME_MAX = 120
DESCRIPTION_MAX = 5000
CATEGORY_NAME_MAX = 60
VARIANT_OWNED_MESSAGE = gettext_lazy("This product has variants: set its price and stock on each variant.")

# Sentinel: "this argument was not given" (None is a real value for mrp, stock, category).
UNSET: Any = object()

Direction = Literal["up", "down"]


# --- validation helpers -----------------------------------------------------------------


def _clean_name(value: Any, *, max_length: int, what: str = "Name") -> str:
    if not isinstance(value, str):
        raise ValidationError(_("%(what)s must be text.") % {"what": _(what)})
    value = " ".join(value.split())
    if not value:
        raise ValidationError(_("%(what)s is required.") % {"what": _(what)})
    if len(value) > max_length:
        raise ValidationError(
            _("%(what)s can be at most %(max)d characters (it has %(count)d).")
            % {"what": _(what), "max": max_length, "count": len(value)}
        )
    return value


def _clean_description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Description must be text."))
    value = value.strip().replace("\x00", "")
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            _("Description can be at most %(max)d characters (it has %(count)d).")
            % {"max": DESCRIPTION_MAX, "count": len(value)}
        )
    return value


def _clean_stock(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("Stock must be a whole number, or empty for unlimited."))
    if value < 0:
        raise ValidationError(_("Stock cannot be negative."))
    if value > MAX_STOCK:
        raise ValidationError(_("Stock can be at most %(max)s.") % {"max": f"{MAX_STOCK:,}"})
    return value


def _clean_category(store: Store, category: Any) -> Category | None:
    if category is None:
        return None
    if isinstance(category, Category):
        if category.store_id != store.pk:
            raise ValidationError(_("Choose one of your store's categories."))
        return category
    if isinstance(category, bool) or not isinstance(category, int):
        raise ValidationError(_("Choose one of your store's categories."))
    found = Category.objects.filter(store=store, pk=category).first()
    if found is None:
        raise ValidationError(_("Choose one of your store's categories."))
    return found


def _collect(errors: dict[str, list[str]], field: str, func, *args, **kwargs) -> Any:
    try:
        return func(*args, **kwargs)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
        return None


def _image_names(product: Product) -> list[str]:
    return [
        name
        for name in (product.image_thumb.name, product.image_large.name, product.image_small.name)
        if name
    ]


def delete_unused_images(*, store_id: int, names: list[str]) -> None:
    """Delete stored photos no product of the store points at any more (content-addressed
    names are shared between products with the same photo)."""
    names = [name for name in names if name]
    if not names:
        return
    used: set[str] = set()
    for variants in (
        Product.objects.filter(store_id=store_id)
        .filter(Q(image_thumb__in=names) | Q(image_large__in=names) | Q(image_small__in=names))
        .values_list("image_thumb", "image_large", "image_small")
    ):
        used.update(variants)
    delete_stored_files([name for name in names if name not in used])


def _schedule_image_cleanup(store_id: int, names: list[str]) -> None:
    if names:
        transaction.on_commit(lambda: delete_unused_images(store_id=store_id, names=names))


def _write_with_image(image, store: Store, write):
    """Run `write(processed)` in a transaction; stored files of a failed write are removed."""
    processed: ProcessedImage | None = None
    if image is not None:
        try:
            processed = process_product_image(image, store_id=store.pk)
        except ValidationError as exc:
            raise ValidationError({"image": exc.messages}) from None
    try:
        with transaction.atomic():
            return write(processed)
    except BaseException:
        if processed is not None:
            processed.discard()
        raise


def _apply_image(product: Product, processed: ProcessedImage) -> None:
    product.image_thumb.name = processed.thumb_name
    product.image_large.name = processed.large_name
    product.image_small.name = processed.small_name
    product.image_sha256 = processed.sha256


# --- products ---------------------------------------------------------------------------


def product_create(
    *,
    store: Store,
    name: str,
    price: Decimal | str | int,
    mrp: Decimal | str | int | None = None,
    description: str = "",
    category: Category | int | None = None,
    stock: int | None = None,
    is_active: bool = True,
    image=None,
) -> Product:
    """Add a product to `store`; `image` is an uploaded file (see products/images.py)."""
    errors: dict[str, list[str]] = {}
    clean_name = _collect(errors, "name", _clean_name, name, max_length=NAME_MAX)
    clean_description = _collect(errors, "description", _clean_description, description)
    valid_price = _collect(errors, "price", clean_price, price, label=_("Price"))
    clean_mrp = None
    if mrp not in (None, ""):
        clean_mrp = _collect(errors, "mrp", clean_price, mrp, label=_("MRP"))
    clean_stock = _collect(errors, "stock", _clean_stock, stock)
    clean_category = _collect(errors, "category", _clean_category, store, category)
    if not isinstance(is_active, bool):
        errors.setdefault("is_active", []).append(_("Visible must be true or false."))
    if valid_price is not None and clean_mrp is not None and clean_mrp < valid_price:
        errors.setdefault("mrp", []).append(_("MRP cannot be below the price."))
    if errors:
        raise ValidationError(errors)

    def write(processed: ProcessedImage | None) -> Product:
        product = Product(
            store=store,
            name=clean_name,
            description=clean_description,
            price=valid_price,
            mrp=clean_mrp,
            stock=clean_stock,
            category=clean_category,
            is_active=is_active,
            position=0,
        )
        if processed is not None:
            _apply_image(product, processed)
        product.save()
        return product

    return _write_with_image(image, store, write)


def product_update(
    *,
    product: Product,
    name: str = UNSET,
    price: Decimal | str | int = UNSET,
    mrp: Decimal | str | int | None = UNSET,
    description: str = UNSET,
    category: Category | int | None = UNSET,
    stock: int | None = UNSET,
    is_active: bool = UNSET,
    image=UNSET,
) -> Product:
    """Change the given fields of `product`. `image=None` removes the photo; a file replaces it."""
    store = product.store
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if name is not UNSET:
        changes["name"] = _collect(errors, "name", _clean_name, name, max_length=NAME_MAX)
    if description is not UNSET:
        changes["description"] = _collect(errors, "description", _clean_description, description)
    if price is not UNSET:
        changes["price"] = _collect(errors, "price", clean_price, price, label=_("Price"))
    if mrp is not UNSET:
        changes["mrp"] = (
            None if mrp in (None, "") else _collect(errors, "mrp", clean_price, mrp, label=_("MRP"))
        )
    if stock is not UNSET:
        changes["stock"] = _collect(errors, "stock", _clean_stock, stock)
    if category is not UNSET:
        changes["category"] = _collect(errors, "category", _clean_category, store, category)
    if is_active is not UNSET:
        if isinstance(is_active, bool):
            changes["is_active"] = is_active
        else:
            errors.setdefault("is_active", []).append(_("Visible must be true or false."))
    if product.has_variants:
        # Derived from the variants (products/variants.py): an edit here would be overwritten.
        for field in ("price", "mrp", "stock"):
            if field in changes and changes[field] != getattr(product, field):
                errors.setdefault(field, []).append(VARIANT_OWNED_MESSAGE)
    new_price = changes.get("price", product.price)
    new_mrp = changes.get("mrp", product.mrp)
    refusal = mrp_refusal(price=new_price, mrp=new_mrp, mrp_changed="mrp" in changes)
    if refusal and not {"price", "mrp"} & set(errors):
        errors.setdefault(refusal[0], []).append(refusal[1])
    if errors:
        raise ValidationError(errors)

    new_file = image if image not in (UNSET, None) else None

    def write(processed: ProcessedImage | None) -> Product:
        locked = Product.objects.select_for_update().get(pk=product.pk)
        for field_name, value in changes.items():
            setattr(locked, field_name, value)
        replaced: list[str] = []
        if processed is not None:
            replaced = _image_names(locked)
            _apply_image(locked, processed)
        elif image is None:
            replaced = _image_names(locked)
            locked.image_thumb.name = ""
            locked.image_large.name = ""
            locked.image_small.name = ""
            locked.image_sha256 = ""
        locked.save()
        keep = set(_image_names(locked))
        _schedule_image_cleanup(store.pk, [name for name in replaced if name not in keep])
        return locked

    updated = _write_with_image(new_file, store, write)
    # Keep the caller's instance current (views render it right after).
    for field_name in (*changes.keys(), "image_sha256", "updated_at"):
        setattr(product, field_name, getattr(updated, field_name))
    product.image_thumb.name = updated.image_thumb.name
    product.image_large.name = updated.image_large.name
    product.image_small.name = updated.image_small.name
    return updated


def product_delete(*, product: Product) -> None:
    names = _image_names(product)
    store_id = product.store_id
    with transaction.atomic():
        Product.objects.filter(pk=product.pk).delete()
        _schedule_image_cleanup(store_id, names)


def product_set_visibility(*, product: Product, is_active: bool) -> Product:
    if not isinstance(is_active, bool):
        raise ValidationError({"is_active": [_("Visible must be true or false.")]})
    with transaction.atomic():
        Product.objects.filter(pk=product.pk).update(is_active=is_active, updated_at=timezone.now())
        product.is_active = is_active
    return product


def _renumber(model, items: list, ordered_ids: list[int]) -> None:
    by_id = {item.pk: item for item in items}
    changed = []
    for position, item_id in enumerate(ordered_ids):
        item = by_id[item_id]
        if item.position != position:
            item.position = position
            changed.append(item)
    if changed:
        model.objects.bulk_update(changed, ["position"], batch_size=500)


def products_reorder(*, store: Store, product_ids: list[int]) -> None:
    """Put the store's products in this order; products not listed keep their relative order
    after the listed ones."""
    _reorder(Product, store, product_ids, what="product")


def product_move(*, product: Product, direction: Direction) -> None:
    """Swap a product with its neighbour in the seller's order (the list's up/down buttons)."""
    _move(Product, product, direction)


# --- categories -------------------------------------------------------------------------


def _check_category_name_free(store: Store, name: str, exclude_pk: int | None = None) -> None:
    taken = Category.objects.filter(store=store, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"name": [_("You already have a category called “%(name)s”.") % {"name": name}]}
        )


def category_create(*, store: Store, name: str) -> Category:
    try:
        clean = _clean_name(name, max_length=CATEGORY_NAME_MAX)
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from None
    with transaction.atomic():
        _check_category_name_free(store, clean)
        last = Category.objects.filter(store=store).aggregate(last=Max("position"))["last"]
        try:
            with transaction.atomic():
                return Category.objects.create(
                    store=store, name=clean, position=0 if last is None else last + 1
                )
        except IntegrityError:  # a concurrent create of the same name won the race
            raise ValidationError(
                {"name": [_("You already have a category called “%(name)s”.") % {"name": clean}]}
            ) from None


def category_update(*, category: Category, name: str) -> Category:
    try:
        clean = _clean_name(name, max_length=CATEGORY_NAME_MAX)
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from None
    with transaction.atomic():
        _check_category_name_free(category.store, clean, exclude_pk=category.pk)
        try:
            with transaction.atomic():
                Category.objects.filter(pk=category.pk).update(name=clean)
        except IntegrityError:
            raise ValidationError(
                {"name": [_("You already have a category called “%(name)s”.") % {"name": clean}]}
            ) from None
    category.name = clean
    return category


def category_delete(*, category: Category) -> None:
    """Delete a category; its products stay, without a category."""
    with transaction.atomic():
        Product.objects.filter(category=category).update(category=None)
        Category.objects.filter(pk=category.pk).delete()


def categories_reorder(*, store: Store, category_ids: list[int]) -> None:
    _reorder(Category, store, category_ids, what="category")


def category_move(*, category: Category, direction: Direction) -> None:
    _move(Category, category, direction)


# --- ordering shared by products and categories -------------------------------------------


def _reorder(model, store: Store, ids: list[int], *, what: str) -> None:
    if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise ValidationError({"order": [f"Send a list of {what} ids."]})
    if len(set(ids)) != len(ids):
        raise ValidationError({"order": [f"Each {what} may appear only once."]})
    with transaction.atomic():
        items = list(model.objects.select_for_update().filter(store=store).order_by(*model._meta.ordering))
        known = {item.pk for item in items}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValidationError({"order": [f"Not a {what} of this store: {unknown[0]}."]})
        listed = set(ids)
        ordered = ids + [item.pk for item in items if item.pk not in listed]
        _renumber(model, items, ordered)


def _move(model, item, direction: Direction) -> None:
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Direction must be up or down.")]})
    with transaction.atomic():
        items = list(
            model.objects.select_for_update().filter(store_id=item.store_id).order_by(*model._meta.ordering)
        )
        ids = [each.pk for each in items]
        if item.pk not in ids:
            return
        index = ids.index(item.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ids):
            ids[index], ids[other] = ids[other], ids[index]
        _renumber(model, items, ids)
