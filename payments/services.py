"""Writes for payments: starting a gateway payment, and a seller's "payment received"."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import services as order_services
from orders.models import Order, OrderEvent, PaymentMethod
from payments.models import Payment, PaymentStatus
from payments.providers import default_gateway
from stores.models import User


class PaymentError(ValidationError):
    """A payment action that cannot happen; the message says why."""


def payment_gateway_start(*, order: Order, request: HttpRequest) -> tuple[Payment, str]:
    """Open (or reopen) a gateway payment for an unpaid order; return it and where to send the customer."""
    provider = default_gateway()
    if provider is None:
        raise PaymentError(_("Online payment is not available right now; choose another payment method."))
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paid_at is not None:
            raise PaymentError(_("Order #%(number)s is already paid.") % {"number": locked.number})
        if not locked.awaits_online_payment:
            raise PaymentError(
                _("Order #%(number)s is not waiting for an online payment.") % {"number": locked.number}
            )
        payment = Payment.objects.filter(
            order=locked, provider=provider.name, status=PaymentStatus.PENDING, flagged_for_review=False
        ).first()
        if payment is None:
            payment = Payment.objects.create(
                order=locked,
                method=PaymentMethod.GATEWAY,
                provider=provider.name,
                provider_ref=f"pay_{secrets.token_urlsafe(16)}",
                amount=locked.total,
                currency=locked.currency,
            )
    return payment, provider.create_payment(payment=payment, request=request)


def payment_manual_confirm(*, order: Order, actor: User) -> Payment:
    """The seller saw the UPI credit (or took the cash): record who confirmed it, when, and mark paid."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paid_at is not None:
            raise PaymentError(_("Order #%(number)s is already marked paid.") % {"number": locked.number})
        if locked.payment_method not in (PaymentMethod.UPI, PaymentMethod.COD):
            raise PaymentError(_("Online payments are confirmed by the gateway, not by hand."))
        if locked.is_closed:
            raise PaymentError(
                _("Order #%(number)s is %(status)s.")
                % {"number": locked.number, "status": _(locked.get_status_display()).lower()}
            )
        now = timezone.now()
        payment = Payment.objects.create(
            order=locked,
            method=locked.payment_method,
            amount=locked.total,
            currency=locked.currency,
            status=PaymentStatus.CAPTURED,
            captured_at=now,
            confirmed_by=actor,
            confirmed_at=now,
        )
        order_services.order_mark_paid(order=locked, actor=actor, source=f"{locked.payment_method} confirmed")
        order_services.order_event_record(
            order=locked,
            kind=OrderEvent.PAYMENT_CAPTURED,
            actor=actor,
            payment=payment.pk,
            method=payment.method,
            amount=str(payment.amount),
            currency=payment.currency,
            confirmed_by=actor.pk,
        )
    return payment
