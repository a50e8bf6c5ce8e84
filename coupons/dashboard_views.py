"""Seller dashboard pages for coupons (/dashboard/<slug>/coupons/...)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coupons import services
from coupons.forms import CouponForm
from coupons.models import Coupon
from coupons.selectors import store_coupons
from stores.access import get_owned_store_or_404


def _attach_errors(form: CouponForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _initial(coupon: Coupon) -> dict:
    return {field: getattr(coupon, field) for field in services.FIELDS}


@login_required
def coupon_list(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    return render(
        request, "dashboard/coupons/coupon_list.html", {"store": store, "coupons": store_coupons(store)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def coupon_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    coupon = get_object_or_404(Coupon, store=store, pk=pk) if pk is not None else None
    form = CouponForm(request.POST or None, initial=_initial(coupon) if coupon else None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            if coupon is None:
                coupon = services.coupon_create(store=store, **values)
                messages.success(
                    request,
                    _("Coupon %(code)s is ready: share it with your customers.") % {"code": coupon.code},
                )
            else:
                services.coupon_update(coupon=coupon, **values)
                messages.success(request, _("Saved coupon %(code)s.") % {"code": coupon.code})
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            return redirect("coupons_dashboard:coupon_list", slug=store.slug)
    status = 400 if request.method == "POST" else 200
    context = {"store": store, "form": form, "coupon": coupon}
    return render(request, "dashboard/coupons/coupon_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def coupon_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    coupon = get_object_or_404(Coupon, store=store, pk=pk)
    if request.method == "POST":
        services.coupon_delete(coupon=coupon)
        messages.success(
            request,
            _("Deleted coupon %(code)s. Orders that used it keep their discount.") % {"code": coupon.code},
        )
        return redirect("coupons_dashboard:coupon_list", slug=store.slug)
    return render(request, "dashboard/coupons/coupon_delete.html", {"store": store, "coupon": coupon})
