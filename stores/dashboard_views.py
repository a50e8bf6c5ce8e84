"""Seller dashboard pages: sign-in by one-time code, the home page with store links, store settings."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dukaan.http.body_limits import MULTIPART_OVERHEAD_BYTES, refuse_on_form, refuse_oversized_body
from dukaan.http.client_ip import client_ip
from dukaan.qr import qr_png_file, qr_svg_file, qr_svg_inline
from dukaan.storage import StorageUnavailable
from stores import services
from stores.access import get_owned_store_or_404, get_store_item_or_404
from stores.backends import OTP_BACKEND
from stores.forms import ChargeForm, DeliveryForm, OtpForm, PhoneForm, StoreCreateForm, StoreSettingsForm
from stores.languages import (
    LANGUAGE_CODES,
    requested_language,
    sign_in_language,
    speaks_sign_in_language,
    with_lang,
)
from stores.models import Store, StoreCharge
from stores.services.store_settings import LOGO_MAX_BYTES, logo_too_large_message

SESSION_PHONE = "dukaan_login_phone"
SESSION_NEXT = "dukaan_login_next"
NEW_STORE_URL = "/dashboard/stores/new/"
HOME_URL = "/dashboard/"


def _safe_next(request: HttpRequest, value: str | None) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def _sign_in_url(request: HttpRequest, name: str) -> str:
    """A sign-in page's address, keeping the visit's `?lang=` (when it gave one) on."""
    return with_lang(reverse(name), requested_language(request))


@require_http_methods(["GET", "POST"])
@speaks_sign_in_language
def login_phone(request: HttpRequest) -> HttpResponse:
    """Step 1: the seller's mobile number. The same answer whether it has an account or not."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(HOME_URL)
    next_url = _safe_next(request, request.GET.get("next"))
    if next_url:
        request.session[SESSION_NEXT] = next_url
    status = 200
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            services.otp_request(phone=phone, ip=client_ip(request))
        except services.OtpThrottled as exc:
            if request.session.get(SESSION_PHONE) == phone and "resend" in request.POST:
                # A resend too soon: the earlier code is still good, go back to typing it.
                messages.error(request, exc.message)
                return redirect(_sign_in_url(request, "dashboard:login_verify"))
            form.add_error(None, exc.message)
            status = 429
        except services.OtpDeliveryFailed as exc:
            form.add_error(None, exc.message)
            status = 503
        else:
            request.session[SESSION_PHONE] = phone
            # The code page shows the number in full, once (a masked copy above it only confused).
            messages.success(request, _("Code sent by SMS."))
            return redirect(_sign_in_url(request, "dashboard:login_verify"))
    elif request.method == "POST":
        status = 400
    return render(request, "dashboard/login.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@speaks_sign_in_language
def login_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code. New sellers go on to name their store; known ones to the dashboard.

    A new seller's dashboard starts in the language of the page they signed up on.
    """
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect(_sign_in_url(request, "dashboard:login"))
    status = 200
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.otp_verify(
                phone=phone, code=form.cleaned_data["otp"], language=sign_in_language(request)
            )
        except (services.OtpLocked, services.OtpInvalid, services.AccountDisabled) as exc:
            form.add_error("otp", exc.message)
            status = {services.OtpLocked: 429, services.AccountDisabled: 403}.get(type(exc), 400)
        except ValidationError:
            request.session.pop(SESSION_PHONE, None)
            return redirect(_sign_in_url(request, "dashboard:login"))
        else:
            next_url = request.session.pop(SESSION_NEXT, None)
            request.session.pop(SESSION_PHONE, None)
            # Marks the session as opened by a code: enough for the dashboard, not the admin.
            login(request, result.user, backend=OTP_BACKEND)
            if not result.user.stores.exists():
                return redirect(NEW_STORE_URL)
            return redirect(_safe_next(request, next_url) or HOME_URL)
    elif request.method == "POST":
        status = 400
    return render(request, "dashboard/verify.html", {"form": form, "phone": phone}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    language = getattr(request.user, "language", None)
    logout(request)
    # Said in the seller's language (DashboardLanguageMiddleware), and the sign-in page goes on
    # in it: `?lang=` only when the page would otherwise pick another (the browser's).
    messages.success(request, _("You are signed out."))
    url = reverse("dashboard:login")
    if language in LANGUAGE_CODES and language != sign_in_language(request):
        url = with_lang(url, language)
    return redirect(url)


def whatsapp_share_url(store: Store) -> str:
    text = f"Order from {store.name} online: {store.public_url}"
    return f"https://wa.me/?text={quote(text, safe='')}"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    stores = list(request.user.stores.order_by("created_at", "id"))
    if not stores:
        return redirect(NEW_STORE_URL)
    cards = [
        {
            "store": s,
            "qr_svg": qr_svg_inline(s.public_url, title=_("QR code of your store link")),
            "whatsapp_url": whatsapp_share_url(s),
        }
        for s in stores
    ]
    # The nav needs a store: the first one (most sellers have exactly one).
    return render(request, "dashboard/home.html", {"cards": cards, "stores": stores, "store": stores[0]})


@login_required
def qr_download(request: HttpRequest, slug: str) -> HttpResponse:
    """The QR code as an SVG file, to print for the shop counter."""
    store = get_owned_store_or_404(request.user, slug)
    response = HttpResponse(qr_svg_file(store.public_url), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="{store.slug}-qr.svg"'
    return response


@login_required
def qr_png_download(request: HttpRequest, slug: str) -> HttpResponse:
    """The QR code as a PNG: opens in any gallery app and can be sent as a WhatsApp photo."""
    store = get_owned_store_or_404(request.user, slug)
    response = HttpResponse(qr_png_file(store.public_url), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{store.slug}-qr.png"'
    return response


@login_required
def store_poster(request: HttpRequest, slug: str) -> HttpResponse:
    """An A5 poster for the shop counter (store name, QR code, link), styled for printing."""
    store = get_owned_store_or_404(request.user, slug)
    context = {
        "store": store,
        "qr_svg": qr_svg_inline(
            store.public_url, title=_("QR code of %(name)s's online store") % {"name": store.name}, scale=8
        ),
        "link": store.public_url.split("://", 1)[-1].rstrip("/"),
    }
    return render(request, "dashboard/store_poster.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def store_new(request: HttpRequest) -> HttpResponse:
    form = StoreCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                store = services.store_create(owner=request.user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(
                    request, _("%(name)s is live at %(url)s") % {"name": store.name, "url": store.public_url}
                )
                return redirect(HOME_URL)
        status = 400
    has_store = request.user.stores.exists()
    return render(request, "dashboard/store_new.html", {"form": form, "has_store": has_store}, status=status)


def _settings_initial(store: Store) -> dict:
    return {
        "name": store.name,
        "description": store.description,
        "whatsapp_number": store.whatsapp_number,
        "upi_id": store.upi_id,
        "logo": store.logo,
        "is_active": store.is_active,
        "language": store.language,
    }


def _logo_too_large(request: HttpRequest, slug: str) -> HttpResponse:
    """The settings page again, its body unread: the logo's size was refused from Content-Length."""
    store = get_owned_store_or_404(request.user, slug)
    form = StoreSettingsForm(initial=_settings_initial(store))
    refuse_on_form(form, "logo", f"{logo_too_large_message()} {_('Nothing was saved.')}")
    return render(request, "dashboard/settings.html", {"form": form, "store": store}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
@refuse_oversized_body(LOGO_MAX_BYTES + MULTIPART_OVERHEAD_BYTES, on_refused=_logo_too_large)
def store_settings(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    initial = {**_settings_initial(store), "dashboard_language": request.user.language}
    status = 200
    if request.method == "POST":
        form = StoreSettingsForm(request.POST, request.FILES, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            logo = data.get("logo")
            try:
                services.store_update(
                    store=store,
                    name=data["name"],
                    description=data["description"],
                    whatsapp_number=data["whatsapp_number"],
                    upi_id=data["upi_id"],
                    is_active=data["is_active"],
                    logo=logo or None,
                    remove_logo=logo is False,
                    **({"language": data["language"]} if data.get("language") else {}),
                )
                if data.get("dashboard_language"):
                    services.user_set_language(user=request.user, language=data["dashboard_language"])
                    # The message below is already in the new choice (the middleware undoes this).
                    translation.activate(request.user.language)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except StorageUnavailable as exc:
                form.add_error("logo", str(exc))
                status = 503
            else:
                messages.success(request, _("Store settings saved."))
                return redirect("dashboard:store_settings", slug=store.slug)
        status = status if status == 503 else 400
        store.refresh_from_db()  # the page header shows saved values, not rejected ones
    else:
        form = StoreSettingsForm(initial=initial)
    return render(
        request,
        "dashboard/settings.html",
        {"form": form, "store": store},
        status=status,
    )


# --- delivery fees, GST and extra charges ----------------------------------------------------


def _delivery_page(
    request: HttpRequest, store: Store, form: DeliveryForm, charge_form: ChargeForm, status: int
):
    charges = StoreCharge.objects.filter(store=store).order_by("created_at", "id")
    context = {"store": store, "form": form, "charge_form": charge_form, "charges": charges}
    return render(request, "dashboard/delivery.html", context, status=status)


def _delivery_initial(store: Store) -> dict:
    return {
        "delivery_fee": store.delivery_fee,
        "free_delivery_above": store.free_delivery_above,
        "delivery_fee_online": store.delivery_fee_online,
        "gstin": store.gstin,
        "gst_percent": store.gst_percent,
    }


def _put_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def store_delivery(request: HttpRequest, slug: str) -> HttpResponse:
    """Delivery fees and GST, and the list of extra charges, on one page."""
    store = get_owned_store_or_404(request.user, slug)
    form = DeliveryForm(request.POST or None, initial=_delivery_initial(store))
    if request.method == "POST" and form.is_valid():
        try:
            services.store_update(store=store, **form.cleaned_data)
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, _("Saved. New orders pay these fees; placed orders keep theirs."))
            return redirect("dashboard:store_delivery", slug=store.slug)
    status = 400 if request.method == "POST" else 200
    return _delivery_page(request, store, form, ChargeForm(), status)


@login_required
@require_POST
def charge_add(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    charge_form = ChargeForm(request.POST)
    if charge_form.is_valid():
        try:
            charge = services.store_charge_create(store=store, **charge_form.cleaned_data)
        except ValidationError as exc:
            _put_errors(charge_form, exc)
        else:
            messages.success(request, _("Added the charge “%(name)s”.") % {"name": charge.name})
            return redirect("dashboard:store_delivery", slug=store.slug)
    form = DeliveryForm(initial=_delivery_initial(store))
    return _delivery_page(request, store, form, charge_form, 400)


@login_required
@require_POST
def charge_change(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Switch a charge off or on, or remove it (the button pressed says which)."""
    store = get_owned_store_or_404(request.user, slug)
    charge = get_store_item_or_404(StoreCharge, store, pk)
    if request.POST.get("action") == "delete":
        services.store_charge_delete(charge=charge)
        messages.success(request, _("Removed the charge “%(name)s”.") % {"name": charge.name})
    else:
        services.store_charge_update(charge=charge, is_active=not charge.is_active)
        message = _("“%(name)s” is now on.") if charge.is_active else _("“%(name)s” is now off.")
        messages.success(request, message % {"name": charge.name})
    return redirect("dashboard:store_delivery", slug=store.slug)
