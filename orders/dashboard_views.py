"""The seller's order pages: the list (filter by status) and one order (move it along).

The order page's payment card and its "payment received" button come from the payments app.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from orders import selectors
from orders.forms import StatusForm
from orders.invoice import invoice_response
from orders.models import OrderStatus
from orders.services import order_status_change
from orders.whatsapp import order_page_url, whatsapp_link
from stores.access import get_owned_store_or_404

PAGE_SIZE = 30


@login_required
@never_cache
def order_list(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    status = request.GET.get("status") or ""
    if status not in OrderStatus.values:
        status = ""
    page = Paginator(selectors.store_orders(store=store, status=status or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.status_counts(store=store)
    tabs = [{"value": "", "label": _("All"), "count": sum(counts.values())}] + [
        {"value": value, "label": _(label), "count": counts.get(value, 0)}
        for value, label in OrderStatus.choices
    ]
    return render(
        request,
        "dashboard/orders/order_list.html",
        {"store": store, "page": page, "status": status, "tabs": tabs},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def order_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    order = selectors.store_order(store=store, number=number)
    if order is None:
        raise Http404("No such order.")

    if request.method == "POST":
        try:
            form = StatusForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose a valid status."))
            order_status_change(order=order, actor=request.user, **form.cleaned_data)
            messages.success(
                request,
                _("Order #%(number)s is now %(status)s.")
                % {
                    "number": order.number,
                    "status": _(OrderStatus(form.cleaned_data["status"]).label).lower(),
                },
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("orders_dashboard:order_detail", slug=store.slug, number=order.number)

    next_statuses = [(s, _(OrderStatus(s).label)) for s in order.seller_transitions()]
    context = {
        "store": store,
        "order": order,
        "next_statuses": next_statuses,
        "whatsapp_link": whatsapp_link(order),
        "order_page_url": order_page_url(order),
    }
    return render(request, "dashboard/orders/order_detail.html", context)


@login_required
def order_invoice(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    order = selectors.store_order(store=store, number=number)
    if order is None:
        raise Http404("No such order.")
    return invoice_response(order)
