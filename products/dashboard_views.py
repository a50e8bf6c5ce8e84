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
from django.views.decorators.http import require_http_methods, require_POST

from dukaan.http.body_limits import MULTIPART_OVERHEAD_BYTES, refuse_on_form, refuse_oversized_body
from dukaan.storage import StorageUnavailable
from products import services
from products.forms import CategoryForm, ProductForm
from products.images import too_large_message
from products.models import Category, Product
from products.search import normalize_query
from products.selectors import (
    list_store_categories,
    list_store_products,
    products_in_id_order,
    search_store_products,
)
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
            store=store, initial=_edit_initial(product), has_photo=bool(product.image_thumb.name)
        )
    message = (
        f"{too_large_message(settings.DUKAAN_MAX_UPLOAD_BYTES)} Nothing was saved: choose a smaller photo."
    )
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
            messages.success(request, f"Added “{product.name}”.")
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
    )
    storage_down = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            "name": data["name"],
            "price": data["price"],
            "mrp": data["mrp"],
            "description": data["description"],
            "category": data["category"],
            "stock": data["stock"],
            "is_active": data["is_active"],
        }
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
            messages.success(request, f"Saved “{product.name}”.")
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
        messages.success(request, f"Deleted “{product.name}”.")
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
    state = "visible" if product.is_active else "hidden"
    messages.success(request, f"“{product.name}” is now {state}.")
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
            messages.success(request, f"Added category “{category.name}”.")
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
            messages.success(request, f"Saved category “{category.name}”.")
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
        messages.success(request, f"Deleted category “{category.name}”. Its products are kept.")
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
