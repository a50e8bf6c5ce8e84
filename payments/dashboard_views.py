"""The seller's payment action on an order: "payment received" for UPI and cash."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orders import selectors as order_selectors
from payments.services import PaymentError, payment_manual_confirm
from stores.access import get_owned_store_or_404


@login_required
@require_POST
def payment_received(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    order = order_selectors.store_order(store=store, number=number)
    if order is None:
        raise Http404("No such order.")
    try:
        payment_manual_confirm(order=order, actor=request.user)
    except PaymentError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Payment for order #%(number)s recorded.") % {"number": order.number})
    return redirect("orders_dashboard:order_detail", slug=store.slug, number=order.number)
