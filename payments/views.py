"""The fake gateway's own checkout page (the customer's "Pay now" lives in checkout)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dukaan.http.public_urls import public_url
from payments.models import Payment, PaymentStatus
from payments.providers import get_provider
from payments.providers.fake import FakeProvider


@never_cache
@require_http_methods(["GET", "POST"])
def fake_gateway(request: HttpRequest, ref: str) -> HttpResponse:
    """The fake gateway's checkout page: Pay or Fail, then a signed webhook over HTTP to our endpoint."""
    provider = get_provider(FakeProvider.name)
    if not isinstance(provider, FakeProvider):
        raise Http404("The fake gateway is disabled.")
    payment = (
        Payment.objects.filter(provider=provider.name, provider_ref=ref)
        .select_related("order__store")
        .first()
    )
    if payment is None:
        raise Http404("No such payment.")
    order = payment.order
    if request.method == "POST" and payment.status == PaymentStatus.PENDING:
        succeeded = request.POST.get("action") == "pay"
        body = provider.build_event(payment, succeeded=succeeded)
        webhook_url = public_url(reverse("payments_api:webhook", args=[provider.name]))
        status = provider.deliver(url=webhook_url, body=body)
        if status == 0 or status >= 500:
            messages.error(
                request, "The gateway could not reach the store yet; your payment will be confirmed shortly."
            )
        elif not succeeded:
            messages.error(request, "The payment failed. You can try again from your order page.")
        return redirect("checkout:order_status", token=order.token)
    return render(
        request, "payments/fake_gateway.html", {"payment": payment, "order": order, "store": order.store}
    )
