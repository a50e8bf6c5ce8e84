"""Webhooks: signature first, raw event stored, idempotent by event id, never un-paid, never mis-paid."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from orders import services as order_services
from orders.models import OrderEvent
from orders.services import order_status_change
from payments.models import Payment, PaymentEvent

pytestmark = pytest.mark.django_db


def refresh(order, payment):
    order.refresh_from_db()
    payment.refresh_from_db()
    return order, payment


def test_a_captured_event_marks_the_order_paid_and_placed(gateway_order, send_event):
    order, payment = gateway_order
    response = send_event(payment)
    assert response.status_code == 200, response.content
    order, payment = refresh(order, payment)
    assert order.is_paid and order.status == "placed"
    assert payment.status == "captured" and not payment.flagged_for_review
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.PAYMENT_CAPTURED).count() == 1


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "not-hex", "sha256=deadbeef"])
def test_a_bad_signature_is_refused_and_nothing_is_stored(gateway_order, send_event, signature):
    order, payment = gateway_order
    response = send_event(payment, signature=signature)
    assert response.status_code == 401
    assert PaymentEvent.objects.count() == 0
    order, payment = refresh(order, payment)
    assert not order.is_paid and payment.status == "pending"


def test_a_body_changed_after_signing_is_refused(gateway_order, client):
    from payments.providers.fake import FakeProvider

    _, payment = gateway_order
    body = FakeProvider.build_event(payment, succeeded=True)
    signature = FakeProvider.sign(body)
    tampered = body.replace(b'"300.00"', b'"3.00"')
    response = client.post(
        "/api/v1/payments/webhooks/fake/",
        tampered,
        content_type="application/json",
        HTTP_X_DUKAAN_SIGNATURE=signature,
    )
    assert response.status_code == 401
    assert PaymentEvent.objects.count() == 0


def test_the_same_captured_event_three_times_marks_the_order_paid_once(gateway_order, send_event):
    order, payment = gateway_order
    statuses = [send_event(payment, event_id="evt_same").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert PaymentEvent.objects.filter(event_id="evt_same").count() == 1
    order, payment = refresh(order, payment)
    assert order.is_paid
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.PAID).count() == 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.PAYMENT_CAPTURED).count() == 1


def test_a_second_capture_event_with_another_id_changes_nothing(gateway_order, send_event):
    order, payment = gateway_order
    send_event(payment)
    send_event(payment)
    assert PaymentEvent.objects.count() == 2
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.PAID).count() == 1


def test_failed_after_captured_leaves_the_order_paid(gateway_order, send_event):
    order, payment = gateway_order
    send_event(payment, "payment.captured")
    assert send_event(payment, "payment.failed").status_code == 200
    order, payment = refresh(order, payment)
    assert order.is_paid and payment.status == "captured"
    assert PaymentEvent.objects.get(event_type="payment.failed").outcome.startswith("ignored")


def test_captured_after_failed_still_marks_paid(gateway_order, send_event):
    order, payment = gateway_order
    send_event(payment, "payment.failed")
    assert refresh(order, payment)[1].status == "failed"
    send_event(payment, "payment.captured")
    order, payment = refresh(order, payment)
    assert order.is_paid and payment.status == "captured"


@pytest.mark.parametrize(("amount", "currency"), [("299.99", None), ("3000.00", None), (None, "USD")])
def test_an_amount_or_currency_mismatch_is_flagged_and_never_paid(
    gateway_order, send_event, amount, currency
):
    order, payment = gateway_order
    assert send_event(payment, amount=amount, currency=currency).status_code == 200
    order, payment = refresh(order, payment)
    assert payment.flagged_for_review and "expected 300.00 INR" in payment.review_reason
    assert not order.is_paid and order.status == "pending_payment" and payment.status == "pending"
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.PAYMENT_FLAGGED).exists()


def test_a_capture_for_a_cancelled_order_is_kept_and_flagged_for_refund(gateway_order, send_event):
    order, payment = gateway_order
    order_status_change(order=order, status="cancelled", reason="Customer cancelled")
    send_event(payment)
    order, payment = refresh(order, payment)
    assert payment.status == "captured" and payment.flagged_for_review
    assert order.status == "cancelled"


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"id": "evt_1", "type": "payment.captured"}',
        b'{"id": "evt_2", "type": "refund.created", "data": {}}',
    ],
)
def test_a_signed_but_unreadable_event_is_stored_raw_and_refused(gateway_order, send_event, raw):
    order, payment = gateway_order
    response = send_event(payment, raw=raw)
    assert response.status_code == 400
    event = PaymentEvent.objects.get()
    assert event.status == "invalid" and event.body == raw.decode()
    assert not refresh(order, payment)[0].is_paid


def test_an_unknown_provider_is_a_404(client):
    assert (
        client.post("/api/v1/payments/webhooks/nope/", b"{}", content_type="application/json").status_code
        == 404
    )


def test_a_crash_while_processing_leaves_the_event_pending_and_the_command_finishes_it(
    gateway_order, send_event, monkeypatch, capsys
):
    order, payment = gateway_order
    real_mark_paid = order_services.order_mark_paid

    def crash(**kwargs):
        raise RuntimeError("database went away mid-way")

    monkeypatch.setattr(order_services, "order_mark_paid", crash)
    response = send_event(payment, event_id="evt_crash")
    assert response.status_code == 202
    event = PaymentEvent.objects.get(event_id="evt_crash")
    assert event.status == "pending" and "went away" in event.last_error and event.attempts == 1
    order, payment = refresh(order, payment)
    assert not order.is_paid and payment.status == "pending"  # the whole transaction rolled back

    monkeypatch.setattr(order_services, "order_mark_paid", real_mark_paid)
    call_command("reprocess_payment_events")
    assert "1 processed, 0 still pending" in capsys.readouterr().out
    event.refresh_from_db()
    order, payment = refresh(order, payment)
    assert event.status == "processed" and order.is_paid and payment.status == "captured"
    call_command("reprocess_payment_events")
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.PAID).count() == 1


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_reprocess_payment_events_refuses_a_limit_below_one_with_a_message(limit):
    with pytest.raises(CommandError, match="--limit must be 1 or more"):
        call_command("reprocess_payment_events", "--limit", limit)


def test_an_event_for_an_unknown_payment_stays_pending(gateway_order, send_event):
    _, payment = gateway_order
    payment.provider_ref = "pay_someone_else"
    response = send_event(payment)
    assert response.status_code == 202
    assert PaymentEvent.objects.get().status == "pending"


def test_admin_lists_flagged_payments_and_reprocesses_events(
    gateway_order, send_event, client, make_seller, monkeypatch
):
    order, payment = gateway_order
    send_event(payment, amount="1.00")
    monkeypatch.setattr(
        order_services, "order_mark_paid", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom"))
    )
    send_event(payment, event_id="evt_retry")
    monkeypatch.undo()
    client.force_login(make_seller(is_staff=True, is_superuser=True))
    flagged = client.get("/admin/payments/payment/?flagged_for_review__exact=1")
    assert flagged.status_code == 200 and "pay_" in flagged.content.decode()
    pending = PaymentEvent.objects.get(event_id="evt_retry")
    response = client.post(
        "/admin/payments/paymentevent/",
        {"action": "reprocess", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == "processed"
    assert Payment.objects.get(pk=payment.pk).status == "captured"
    assert client.get(f"/admin/payments/paymentevent/{pending.pk}/change/").status_code == 200
    assert client.get(f"/admin/orders/order/{order.pk}/change/").status_code == 200
