"""Gateway webhooks: check the signature, store the raw event, then process it idempotently.

A webhook that stops marking orders paid loses sellers money. So: nothing is processed before it is
stored; a failure leaves the stored event pending for `manage.py reprocess_payment_events`;
the unique (provider, event_id) constraint absorbs duplicate deliveries; a capture is never
undone by a later "failed"; a wrong amount or currency is flagged, never paid.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders import services as order_services
from orders.models import Order, OrderEvent
from payments.models import Payment, PaymentEvent, PaymentEventStatus, PaymentStatus
from payments.providers import InvalidEvent, ProviderEvent, get_provider
from payments.providers.base import EVENT_CAPTURED, EVENT_FAILED

logger = logging.getLogger(__name__)


class ProcessingError(RuntimeError):
    """The event is valid but cannot be applied yet (e.g. unknown payment); it stays pending."""


@dataclass(frozen=True)
class WebhookResult:
    status_code: int
    body: dict


def webhook_receive(*, provider_name: str, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
    provider = get_provider(provider_name)
    if provider is None:
        return WebhookResult(404, {"detail": f"Unknown payment provider {provider_name!r}."})
    # First, before parsing or storing anything: is it really from the gateway?
    if not provider.verify_signature(body=body, headers=headers):
        logger.warning("payment webhook from %s refused: bad signature", provider_name)
        return WebhookResult(401, {"detail": "Invalid signature."})

    text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    try:
        parsed = provider.parse_event(body)
    except InvalidEvent as exc:
        # Signed but unreadable: kept for the record, never processed.
        PaymentEvent.objects.create(
            provider=provider_name, body=text, status=PaymentEventStatus.INVALID, outcome=str(exc)[:300]
        )
        return WebhookResult(400, {"detail": f"Unreadable event: {exc}"})

    event, created = PaymentEvent.objects.get_or_create(
        provider=provider_name,
        event_id=parsed.event_id,
        defaults={"event_type": parsed.type, "body": text},
    )
    if not created and event.status == PaymentEventStatus.PROCESSED:
        return WebhookResult(200, {"status": "duplicate", "event": parsed.event_id})
    try:
        outcome = payment_event_process(event_pk=event.pk)
    except Exception:
        logger.exception("payment event %s stays pending after a processing error", event.pk)
        # Stored and pending: accepted; reprocess_payment_events will finish it.
        return WebhookResult(202, {"status": "pending", "event": parsed.event_id})
    return WebhookResult(200, {"status": "processed", "event": parsed.event_id, "outcome": outcome})


def payment_event_process(*, event_pk: int) -> str:
    """Apply one stored event in one transaction; on any error the event stays pending (and re-raises)."""
    try:
        with transaction.atomic():
            event = PaymentEvent.objects.select_for_update().get(pk=event_pk)
            if event.status != PaymentEventStatus.PENDING:
                return event.outcome or event.status
            provider = get_provider(event.provider)
            if provider is None:
                raise ProcessingError(f"Provider {event.provider!r} is not enabled.")
            parsed = provider.parse_event(event.body.encode())
            payment = (
                Payment.objects.select_for_update()
                .filter(provider=event.provider, provider_ref=parsed.payment_ref)
                .first()
            )
            if payment is None:
                raise ProcessingError(f"No payment with reference {parsed.payment_ref!r}.")
            outcome = _apply(parsed, payment)
            event.payment = payment
            event.status = PaymentEventStatus.PROCESSED
            event.outcome = outcome[:300]
            event.processed_at = timezone.now()
            event.attempts = F("attempts") + 1
            event.last_error = ""
            event.save(
                update_fields=["payment", "status", "outcome", "processed_at", "attempts", "last_error"]
            )
            return outcome
    except Exception as exc:
        PaymentEvent.objects.filter(pk=event_pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def _apply(event: ProviderEvent, payment: Payment) -> str:
    if event.type == EVENT_FAILED:
        if payment.status == PaymentStatus.CAPTURED:
            return "ignored: failure reported after the capture"
        if payment.status == PaymentStatus.FAILED:
            return "ignored: already failed"
        payment.status = PaymentStatus.FAILED
        payment.failure_reason = "Declined at the gateway"
        payment.save(update_fields=["status", "failure_reason", "updated_at"])
        return "payment failed"

    assert event.type == EVENT_CAPTURED
    if payment.status == PaymentStatus.CAPTURED:
        return "ignored: already captured"
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if event.amount != payment.amount or event.currency != payment.currency or payment.amount != order.total:
        reason = (
            f"Gateway reported {event.amount} {event.currency}, expected {payment.amount} {payment.currency}."
        )
        _flag(payment, order, reason)
        return "flagged: amount or currency mismatch"

    already_paid = order.paid_at is not None
    payment.status = PaymentStatus.CAPTURED
    payment.captured_at = timezone.now()
    payment.save(update_fields=["status", "captured_at", "updated_at"])
    # Same transaction as the payment's status: the order is paid exactly when the payment is.
    order = order_services.order_mark_paid(order=order, source=f"{payment.provider} capture")
    order_services.order_event_record(
        order=order,
        kind=OrderEvent.PAYMENT_CAPTURED,
        payment=payment.pk,
        method=payment.method,
        provider=payment.provider,
        amount=str(payment.amount),
        currency=payment.currency,
    )
    if already_paid:
        _flag(payment, order, "Captured for an order that was already paid: refund the extra payment.")
        return "captured, flagged: order was already paid"
    if order.is_closed:
        _flag(payment, order, f"Captured for a {order.status} order: refund the customer.")
        return "captured, flagged: order is closed"
    return "captured"


def _flag(payment: Payment, order: Order, reason: str) -> None:
    payment.flagged_for_review = True
    payment.review_reason = reason[:500]
    payment.save(update_fields=["flagged_for_review", "review_reason", "updated_at"])
    order_services.order_event_record(
        order=order, kind=OrderEvent.PAYMENT_FLAGGED, payment=payment.pk, reason=payment.review_reason
    )
    logger.warning("payment %s flagged for review: %s", payment.pk, reason)


def payment_events_reprocess(*, limit: int | None = None) -> list[tuple[PaymentEvent, str | None, str]]:
    """Retry every pending event, oldest first; returns (event, outcome or None, error) per event."""
    results: list[tuple[PaymentEvent, str | None, str]] = []
    pending = PaymentEvent.objects.filter(status=PaymentEventStatus.PENDING).order_by("id")
    for event in pending[:limit] if limit else pending:
        try:
            results.append((event, payment_event_process(event_pk=event.pk), ""))
        except Exception as exc:
            results.append((event, None, f"{type(exc).__name__}: {exc}"))
    return results
