"""Shop pages for one shopper: cart, checkout, the order's own page and its "Pay now".

Every page here carries per-visitor state (session cart, CSRF token, an order), so each is
marked private and uncacheable; none of it ever enters the shared storefront cache.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from checkout import selectors
from checkout.cart import (
    MAX_QUANTITY_PER_LINE,
    get_cart,
    line_key_text,
    parse_line_key,
    save_cart,
    set_count_cookie,
)
from checkout.forms import CheckoutForm
from checkout.services import OrderThrottled, checkout_breakdowns, checkout_place_order
from dukaan.db.router import use_primary
from dukaan.http.client_ip import client_ip
from dukaan.parsing import parse_whole_number
from orders import selectors as order_selectors
from orders.invoice import invoice_response
from orders.models import PROGRESS_STEPS, Order, OrderStatus, PaymentMethod
from orders.services import IdempotencyConflict
from orders.whatsapp import order_page_url
from payments.selectors import accepted_payment_methods, order_payments
from payments.services import PaymentError, payment_gateway_start
from payments.upi import upi_qr_svg, upi_uri
from products.models import Product, ProductVariant
from products.stock import line_name, shortage_message, variant_problem
from stores.languages import activate_shop_language, requested_language, speaks_shop_language, with_lang
from stores.models import Store
from stores.selectors import get_active_store_or_404
from stores.whatsapp import whatsapp_chat_url


def _redirect(request: HttpRequest, viewname: str, **kwargs: str) -> HttpResponse:
    """A redirect to another shop page, keeping the visit's `?lang=` (SPEC section 7)."""
    return redirect(with_lang(reverse(viewname, kwargs=kwargs), requested_language(request)))


def _bad_request(request: HttpRequest, store: Store, message: str) -> HttpResponse:
    return render(request, "checkout/cart_error.html", {"store": store, "message": message}, status=400)


def _is_cross_site(request: HttpRequest) -> bool:
    # The add-to-cart form sits in cached, shared storefront HTML, so it carries no CSRF token.
    # Instead refuse what browsers flag as coming from another site.
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin == "null":
        # An opaque origin: a sandboxed frame, a data: page or file: page posting. Our own
        # storefront always sends its real origin, so this is never a shopper on our page.
        return True
    if origin:
        return urlsplit(origin).netloc != request.get_host()
    return False


@csrf_exempt
@never_cache
@require_POST
@speaks_shop_language
def cart_add(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_active_store_or_404(slug)
    activate_shop_language(request, store.language)
    if _is_cross_site(request):
        return _bad_request(request, store, _("Add products from the store's own page."))
    raw_product, raw_qty = request.POST.get("product", ""), request.POST.get("quantity", "1") or "1"
    product_id, quantity = parse_whole_number(raw_product), parse_whole_number(raw_qty)
    if product_id is None or len(raw_product) > 12:
        return _bad_request(request, store, _("Choose a product to add."))
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY_PER_LINE:
        return _bad_request(
            request,
            store,
            _("Quantity must be a whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY_PER_LINE},
        )
    raw_variant = request.POST.get("variant", "")
    variant_id = parse_whole_number(raw_variant) if raw_variant else None
    if raw_variant and (variant_id is None or len(raw_variant) > 12):
        return _bad_request(request, store, _("Choose one of the product's options."))
    product = Product.objects.filter(pk=product_id, store=store).first()
    if product is None or not product.is_active:
        return _bad_request(request, store, _("That product is not available in this store."))
    # All of the product's variants: they name its options in a refusal ("Choose the Size of ...").
    variants = ProductVariant.objects.filter(product=product).in_bulk() if product.has_variants else {}
    problem = variant_problem(product, variant_id, variants)
    if problem:
        return _bad_request(request, store, problem)
    variant = variants.get(variant_id) if variant_id is not None else None
    key = (product.id, variant_id)
    cart = get_cart(request, store.id)
    new_qty = cart.get(key, 0) + quantity
    if new_qty > MAX_QUANTITY_PER_LINE:
        return _bad_request(
            request, store, _("At most %(max)d of one product per order.") % {"max": MAX_QUANTITY_PER_LINE}
        )
    problem = shortage_message(product, new_qty, variant)
    if problem:
        return _bad_request(request, store, problem)
    cart[key] = new_qty
    save_cart(request, store.id, cart)
    messages.success(
        request,
        _("Added %(quantity)d x %(name)s to your cart.")
        % {"quantity": quantity, "name": line_name(product, variant)},
    )
    # Back to the page the shopper was on (only within this store), else the cart.
    next_url = request.POST.get("next", "")
    if next_url.startswith(f"/{store.slug}/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return set_count_cookie(redirect(next_url), request, store.id)
    return set_count_cookie(_redirect(request, "checkout:cart", slug=store.slug), request, store.id)


@never_cache
@require_http_methods(["GET", "POST"])
@speaks_shop_language
def cart(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_active_store_or_404(slug)
    activate_shop_language(request, store.language)
    cart_items = get_cart(request, store.id)
    if request.method == "POST":
        remove = parse_line_key(request.POST.get("remove", ""))
        if remove is not None:
            cart_items.pop(remove, None)
            messages.success(request, _("Removed from your cart."))
        else:
            for key in list(cart_items):
                raw = request.POST.get(f"quantity_{line_key_text(key)}")
                if raw is None:
                    continue
                quantity = parse_whole_number(raw)
                if quantity is None or quantity > MAX_QUANTITY_PER_LINE:
                    messages.error(
                        request,
                        _("Quantity must be a whole number from 0 to %(max)d.")
                        % {"max": MAX_QUANTITY_PER_LINE},
                    )
                    return _redirect(request, "checkout:cart", slug=store.slug)
                cart_items[key] = quantity  # 0 removes the line
            if "checkout" not in request.POST:
                messages.success(request, _("Cart updated."))
        save_cart(request, store.id, cart_items)
        # "Checkout" submits the cart form too, so a quantity changed without "Update cart" is
        # kept; the shopper goes on unless the new quantities need fixing first.
        if "checkout" in request.POST and remove is None:
            view = selectors.cart_view(store=store, cart=cart_items)
            if view.lines and not view.has_problems:
                return set_count_cookie(
                    _redirect(request, "checkout:checkout", slug=store.slug), request, store.id
                )
            if view.lines:
                messages.error(request, _("Fix the items below to check out."))
        return set_count_cookie(_redirect(request, "checkout:cart", slug=store.slug), request, store.id)

    view = selectors.cart_view(store=store, cart=cart_items)
    if view.missing:
        for key in view.missing:
            cart_items.pop(key, None)
        save_cart(request, store.id, cart_items)
        messages.info(request, _("A product in your cart is no longer sold and was removed."))
    response = render(request, "checkout/cart.html", {"store": store, "cart": view})
    return set_count_cookie(response, request, store.id)


@never_cache
@require_http_methods(["GET", "POST"])
@speaks_shop_language
def checkout(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_active_store_or_404(slug)
    activate_shop_language(request, store.language)
    cart_items = get_cart(request, store.id)
    view = selectors.cart_view(store=store, cart=cart_items)
    # The labels are plain text, marked in orders/models.py: spoken here in the page's language.
    methods = {method: _(label) for method, label in accepted_payment_methods(store).items()}
    if not view.lines and request.method == "GET":
        messages.info(request, _("Your cart is empty."))
        return _redirect(request, "checkout:cart", slug=store.slug)

    status = 200
    headers: dict[str, str] = {}
    coupon_code = (request.POST.get("coupon") or "").strip()[:30] if request.method == "POST" else ""
    if request.method == "POST" and request.POST.get("action") == "apply":
        # "Apply" only prices the cart with the coupon: the form is shown again as typed, unjudged.
        form = CheckoutForm(initial=request.POST.dict(), payment_methods=methods)
    elif request.method == "POST":
        form = CheckoutForm(request.POST, payment_methods=methods)
        status = 400  # unless the order is placed below: the page again, with what to fix
        if form.is_valid() and form.customer is not None:
            try:
                order = checkout_place_order(
                    store=store,
                    items=cart_items,
                    customer=form.customer,
                    payment_method=form.cleaned_data["payment_method"],
                    checkout_key=form.cleaned_data.get("checkout_key") or None,
                    # A checkout key answers only the session that used it.
                    client=request.session.session_key or "",
                    ip=client_ip(request),
                    coupon_code=form.cleaned_data.get("coupon") or None,
                )
            except OrderThrottled as exc:
                form.add_error(None, exc.message)
                status, headers = 429, {"Retry-After": str(exc.retry_after)}
            except ValidationError as exc:
                coupon_errors = exc.message_dict.get("coupon") if hasattr(exc, "error_dict") else None
                if coupon_errors:
                    form.add_error("coupon", coupon_errors)
                else:
                    for message in _messages_of(exc):
                        form.add_error(None, message)
                if isinstance(exc, IdempotencyConflict):
                    status = 409
            else:
                save_cart(request, store.id, {})
                messages.success(
                    request,
                    _("Thank you! Order #%(number)s is in. Keep this page to follow it.")
                    % {"number": order.number},
                )
                if order.awaits_online_payment:
                    response = _start_gateway(request, order)
                else:
                    response = _redirect(request, "checkout:order_status", token=order.token)
                return set_count_cookie(response, request, store.id)
    else:
        form = CheckoutForm(payment_methods=methods, initial={"checkout_key": secrets.token_urlsafe(16)})
    money = checkout_breakdowns(
        store=store,
        items=cart_items,
        coupon_code=coupon_code or None,
        customer_phone=(request.POST.get("customer_phone") or None) if request.method == "POST" else None,
    )
    if money.coupon_refusal and request.POST.get("action") == "apply":
        status = 400
    chosen = form["payment_method"].value() or next(iter(methods), "")
    context = {
        "store": store,
        "cart": view,
        "form": form,
        "breakdowns": [
            {"method": method, "label": methods[method], "money": breakdown, "chosen": method == chosen}
            for method, breakdown in money.by_method.items()
        ],
        "coupon_applied": money.coupon,
        # A refusal the bound form already shows on its field is not said twice.
        "coupon_refusal": None if form.is_bound and form.errors.get("coupon") else money.coupon_refusal,
    }
    response = render(request, "checkout/checkout.html", context, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _start_gateway(request: HttpRequest, order: Order) -> HttpResponse:
    try:
        _payment, url = payment_gateway_start(order=order, request=request)
    except PaymentError as exc:
        messages.error(request, exc.messages[0])
        return _redirect(request, "checkout:order_status", token=order.token)
    return redirect(url)


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


@never_cache
# The customer waits here for a payment a gateway reported in another request; a lagging
# replica would show "pending payment" after they paid, so this page reads the primary.
@use_primary()
@speaks_shop_language
def order_status(request: HttpRequest, token: str) -> HttpResponse:
    order = order_selectors.order_by_token(token)
    if order is None:
        raise Http404("No such order.")
    activate_shop_language(request, order.store.language)
    payments = order_payments(order)
    context = {
        "order": order,
        "store": order.store,
        "steps": _progress(order),
        "payments": payments,
        "awaiting_gateway": order.awaits_online_payment,
        "gateway_attempted": order.awaits_online_payment and any(p.status == "pending" for p in payments),
        # The page's own address, for the shopper to keep or send on (it is the key to the order).
        "order_page_url": order_page_url(order),
        "whatsapp_chat_url": whatsapp_chat_url(
            order.store.whatsapp_number,
            _("Hi %(name)s, about my order #%(number)s: ")
            % {"name": order.store.name, "number": order.number},
        ),
    }
    if order.payment_method == PaymentMethod.UPI and not order.is_paid and not order.is_closed:
        context["upi_uri"] = upi_uri(order)
        context["upi_qr"] = upi_qr_svg(order)
    response = render(request, "checkout/order_status.html", context)
    # The token is the key to this page: never leak it to other sites through Referer, nor index it.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _progress(order: Order) -> list[dict]:
    if order.is_closed:
        return []
    steps = [
        s
        for s in PROGRESS_STEPS
        if not (s == OrderStatus.PENDING_PAYMENT and order.payment_method == PaymentMethod.COD)
    ]
    current = steps.index(order.status) if order.status in steps else 0
    return [
        {"label": _(OrderStatus(s).label), "done": i < current, "current": i == current}
        for i, s in enumerate(steps)
    ]


@require_http_methods(["GET", "HEAD"])
def order_invoice(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's copy of the tax invoice, behind the order's secret link."""
    order = order_selectors.order_by_token(token)
    if order is None:
        raise Http404("No such order.")
    return invoice_response(order)


@never_cache
@require_POST
@speaks_shop_language
def pay_order(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's "Pay now" button on the order page (also used to retry a failed payment)."""
    order = order_selectors.order_by_token(token)
    if order is None:
        raise Http404("No such order.")
    activate_shop_language(request, order.store.language)
    return _start_gateway(request, order)
