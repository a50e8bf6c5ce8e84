"""Seller dashboard pages for products and categories (/dashboard/<slug>/products/...)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from dukaan.http.body_limits import MULTIPART_OVERHEAD_BYTES, refuse_on_form, refuse_oversized_body
from dukaan.storage import StorageUnavailable
from products import services
from products.forms import CategoryForm, ProductForm, VariantChoicesForm, VariantRowForm
from products.images import too_large_message
from products.models import Category, Product, ProductVariant
from products.search import normalize_query
from products.selectors import (
    list_store_categories,
    list_store_products,
    product_variants,
    products_in_id_order,
    search_store_products,
)
from products.services import UNSET
from products.variants import variant_delete, variants_create_combinations, variants_stock_update
from stores.access import get_owned_store_or_404

PRODUCTS_PER_PAGE = 50


def _form_status(request: HttpRequest, storage_down: bool) -> int:
    # 503 tells the seller's browser (and monitoring) the photo store failed, not their input.
    if storage_down:
        return 503
    return 400 if request.method == "POST" else 200


def _attach_errors(form, exc: ValidationError) -> None:
    """Put a service's field errors on the form fields (unknown fields become form errors)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def product_list(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    query = normalize_query(request.GET.get("q", ""))
    if query:
        ids = search_store_products(store.pk, query, active_only=False)
        products = products_in_id_order(ids).select_related("category")
    else:
        products = list_store_products(store.pk, sort="position", active_only=False).select_related(
            "category"
        )
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/products/product_list.html",
        {"store": store, "page": page, "products": page.object_list, "query": query},
    )


def _photo_body_limit() -> int:
    return settings.DUKAAN_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES


def _edit_initial(product: Product) -> dict:
    return {
        "name": product.name,
        "price": product.price,
        "mrp": product.mrp,
        "description": product.description,
        "category": product.category_id,
        "stock": product.stock,
        "is_active": product.is_active,
    }


def _photo_too_large(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    """The form page again, its body unread: the photo's size was refused from Content-Length."""
    store = get_owned_store_or_404(request.user, slug)
    product = None
    if pk is None:
        form = ProductForm(store=store)
    else:
        product = get_object_or_404(Product.objects.select_related("store"), store=store, pk=pk)
        form = ProductForm(
            store=store,
            initial=_edit_initial(product),
            has_photo=bool(product.image_thumb.name),
            has_variants=product.has_variants,
        )
    nothing_saved = _("Nothing was saved: choose a smaller photo.")
    message = f"{too_large_message(settings.DUKAAN_MAX_UPLOAD_BYTES)} {nothing_saved}"
    refuse_on_form(form, "image", message)
    return render(
        request,
        "dashboard/products/product_form.html",
        {"store": store, "form": form, "product": product},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
@refuse_oversized_body(_photo_body_limit, on_refused=_photo_too_large)
def product_add(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    form = ProductForm(request.POST or None, request.FILES or None, store=store)
    storage_down = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = services.product_create(
                store=store,
                name=data["name"],
                price=data["price"],
                mrp=data["mrp"],
                description=data["description"],
                category=data["category"],
                stock=data["stock"],
                is_active=data["is_active"],
                image=data["image"] if isinstance(data["image"], UploadedFile) else None,
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        except StorageUnavailable as exc:
            form.add_error("image", str(exc))
            storage_down = True
        else:
            messages.success(request, _("Added “%(name)s”.") % {"name": product.name})
            return redirect("products_dashboard:product_list", slug=store.slug)
    status = _form_status(request, storage_down)
    return render(
        request,
        "dashboard/products/product_form.html",
        {"store": store, "form": form, "product": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@refuse_oversized_body(_photo_body_limit, on_refused=_photo_too_large)
def product_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    product = get_object_or_404(Product.objects.select_related("store"), store=store, pk=pk)
    form = ProductForm(
        request.POST or None,
        request.FILES or None,
        store=store,
        initial=_edit_initial(product),
        has_photo=bool(product.image_thumb.name),
        has_variants=product.has_variants,
    )
    storage_down = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = ("name", "price", "mrp", "description", "category", "stock", "is_active")
        changes = {name: data[name] for name in fields if name in form.fields}
        if isinstance(data["image"], UploadedFile):
            changes["image"] = data["image"]
        elif data.get("remove_image"):
            changes["image"] = None
        try:
            services.product_update(product=product, **changes)
        except ValidationError as exc:
            _attach_errors(form, exc)
        except StorageUnavailable as exc:
            form.add_error("image", str(exc))
            storage_down = True
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": product.name})
            return redirect("products_dashboard:product_list", slug=store.slug)
    status = _form_status(request, storage_down)
    return render(
        request,
        "dashboard/products/product_form.html",
        {"store": store, "form": form, "product": product},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    product = get_object_or_404(Product, store=store, pk=pk)
    if request.method == "POST":
        services.product_delete(product=product)
        messages.success(request, _("Deleted “%(name)s”.") % {"name": product.name})
        return redirect("products_dashboard:product_list", slug=store.slug)
    return render(
        request,
        "dashboard/products/confirm_delete.html",
        {
            "store": store,
            "object": product,
            "kind": "product",
            "cancel_url": reverse("products_dashboard:product_list", args=[store.slug]),
        },
    )


def _back_to(request: HttpRequest, default: str) -> str:
    """Return to the list page the seller came from (keeps ?page= and ?q=), never off-site."""
    target = request.POST.get("next", "")
    if target.startswith("/dashboard/") and "//" not in target and "\\" not in target:
        return target
    return default


@login_required
@require_POST
def product_toggle(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    product = get_object_or_404(Product, store=store, pk=pk)
    services.product_set_visibility(product=product, is_active=not product.is_active)
    message = _("“%(name)s” is now visible.") if product.is_active else _("“%(name)s” is now hidden.")
    messages.success(request, message % {"name": product.name})
    return redirect(_back_to(request, reverse("products_dashboard:product_list", args=[store.slug])))


@login_required
@require_POST
def product_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    product = get_object_or_404(Product, store=store, pk=pk)
    try:
        services.product_move(product=product, direction=request.POST.get("direction", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_back_to(request, reverse("products_dashboard:product_list", args=[store.slug])))


# --- categories -----------------------------------------------------------------------------


@login_required
def category_list(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    categories = list_store_categories(store.pk).annotate(product_count=Count("products"))
    return render(
        request,
        "dashboard/products/category_list.html",
        {"store": store, "categories": categories, "form": CategoryForm()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_add(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_create(store=store, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Added category “%(name)s”.") % {"name": category.name})
            return redirect("products_dashboard:category_list", slug=store.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dashboard/products/category_form.html",
        {"store": store, "form": form, "category": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    category = get_object_or_404(Category, store=store, pk=pk)
    form = CategoryForm(request.POST or None, initial={"name": category.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(category=category, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Saved category “%(name)s”.") % {"name": category.name})
            return redirect("products_dashboard:category_list", slug=store.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dashboard/products/category_form.html",
        {"store": store, "form": form, "category": category},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    category = get_object_or_404(Category, store=store, pk=pk)
    if request.method == "POST":
        services.category_delete(category=category)
        messages.success(
            request, _("Deleted category “%(name)s”. Its products are kept.") % {"name": category.name}
        )
        return redirect("products_dashboard:category_list", slug=store.slug)
    return render(
        request,
        "dashboard/products/confirm_delete.html",
        {
            "store": store,
            "object": category,
            "kind": "category",
            "product_count": category.products.count(),
            "cancel_url": reverse("products_dashboard:category_list", args=[store.slug]),
        },
    )


@login_required
@require_POST
def category_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    category = get_object_or_404(Category, store=store, pk=pk)
    try:
        services.category_move(category=category, direction=request.POST.get("direction", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("products_dashboard:category_list", slug=store.slug)


def _variant_rows(variants: list[ProductVariant], data=None) -> list[tuple[ProductVariant, VariantRowForm]]:
    return [
        (
            variant,
            VariantRowForm(
                data,
                prefix=f"v{variant.pk}",
                initial={"price": variant.price, "stock": variant.stock, "is_active": variant.is_active},
            ),
        )
        for variant in variants
    ]


@login_required
@require_http_methods(["GET", "POST"])
def product_variants_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Sizes and colours of one product: add several in one go, and edit price and stock in a table."""
    store = get_owned_store_or_404(request.user, slug)
    product = get_object_or_404(Product, store=store, pk=pk)
    variants = list(product_variants(product))
    option_names = list(variants[0].options) if variants else []
    action = request.POST.get("action") if request.method == "POST" else None
    add_form = VariantChoicesForm(request.POST if action == "add" else None, option_names=option_names)
    rows = _variant_rows(variants, request.POST if action == "save" else None)
    status = 200
    if action == "add":
        status = 400
        if add_form.is_valid():
            try:
                created, existing = variants_create_combinations(
                    product=product,
                    choices=add_form.choices(),
                    price=add_form.cleaned_data["price"]
                    if add_form.cleaned_data["price"] is not None
                    else UNSET,
                    stock=add_form.cleaned_data["stock"],
                )
            except ValidationError as exc:
                _attach_errors(add_form, exc)
            else:
                message = ngettext("Added %(count)d variant.", "Added %(count)d variants.", len(created)) % {
                    "count": len(created)
                }
                if existing:
                    message += " " + ngettext(
                        "%(count)d was there already.", "%(count)d were there already.", existing
                    ) % {"count": existing}
                messages.success(request, message)
                return redirect("products_dashboard:product_variants", slug=store.slug, pk=product.pk)
    elif action == "save":
        status = 400
        if all(form.is_valid() for _variant, form in rows):
            changes = {variant.pk: form.cleaned_data for variant, form in rows}
            try:
                variants_stock_update(product=product, changes=changes)
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    variant_id, _sep, field = key.partition("-")
                    form = next((f for v, f in rows if str(v.pk) == variant_id), None)
                    if form is not None:
                        form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Saved the prices and stock."))
                return redirect("products_dashboard:product_variants", slug=store.slug, pk=product.pk)
    elif action == "remove":
        variant = next((v for v in variants if str(v.pk) == request.POST.get("variant")), None)
        if variant is None:
            messages.error(request, _("That variant was already removed."))
        else:
            variant_delete(variant=variant)
            messages.success(request, _("Removed “%(label)s”.") % {"label": variant.label})
        return redirect("products_dashboard:product_variants", slug=store.slug, pk=product.pk)
    elif request.method == "POST":
        status = 400
        messages.error(request, _("Choose what to do: add variants or save the table."))
    return render(
        request,
        "dashboard/products/variants.html",
        {
            "store": store,
            "product": product,
            "rows": rows,
            "add_form": add_form,
            "option_names": option_names,
        },
        status=status,
    )
