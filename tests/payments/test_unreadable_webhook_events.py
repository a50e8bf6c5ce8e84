"""A signed webhook event with fields no gateway sends is refused as unreadable (400) and kept for the record.

Like any other malformed event. The API fuzz tests (tests/api_fuzz/) found each of these answered with a 500.
"""

from __future__ import annotations

import json

import pytest

from payments.models import PaymentEvent, PaymentEventStatus, PaymentStatus


def event(**changes) -> bytes:
    body = {"id": "evt_1", "type": "payment.captured", "data": {"payment_ref": "ref_1", "amount": "300.00"}}
    body["data"]["currency"] = "INR"
    for key, value in changes.items():
        if key in ("payment_ref", "currency", "amount"):
            body["data"][key] = value
        else:
            body[key] = value
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "changes",
    [
        {"type": ["payment.captured"]},  # unhashable: TypeError in the set lookup
        {"type": {}},
        {"id": "evt_\u0000"},  # NUL: PostgreSQL refuses it in the (provider, event_id) lookup
        {"id": "evt\n1"},
        {"payment_ref": "ref\u0000"},
        {"payment_ref": "r" * 65},  # longer than any stored reference
        {"currency": "\u0000\u0000\u0000"},
        {"currency": "123"},
    ],
    ids=lambda changes: repr(changes),
)
def test_a_signed_event_with_unusable_fields_is_refused_as_unreadable(send_event, gateway_order, changes):
    _, payment = gateway_order

    response = send_event(payment, raw=event(**changes))

    assert response.status_code == 400, response.content
    assert "Unreadable event" in response.json()["detail"]
    stored = PaymentEvent.objects.get()
    assert stored.status == PaymentEventStatus.INVALID and stored.event_id is None
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_signed_body_nested_too_deeply_is_refused_as_unreadable(send_event, gateway_order):
    _, payment = gateway_order

    response = send_event(payment, raw=b"[" * 100_000 + b"]" * 100_000)

    assert response.status_code == 400
    assert PaymentEvent.objects.get().status == PaymentEventStatus.INVALID
