"""A built-in gateway for development and tests that behaves like a real one, over HTTP.

The customer lands on its own "Fake Gateway" page and clicks Pay or Fail; the gateway then
POSTs a signed webhook to the store's public webhook URL, exactly as a real gateway would.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from dukaan.http.public_urls import public_url
from payments.models import Payment
from payments.providers.base import (
    EVENT_CAPTURED,
    EVENT_FAILED,
    KNOWN_EVENT_TYPES,
    InvalidEvent,
    PaymentProvider,
    ProviderEvent,
    hmac_sha256_hex,
)
from payments.signing import SIGNATURE_HEADER, signature_matches

logger = logging.getLogger(__name__)
DELIVERY_TIMEOUT_SECONDS = 10


def _is_printable_text(value: object, *, max_length: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= max_length and value.isprintable()


class FakeProvider(PaymentProvider):
    name = "fake"
    label = "Fake Gateway"

    def create_payment(self, *, payment: Payment, request: HttpRequest) -> str:
        return public_url(reverse("payments:fake_gateway", args=[payment.provider_ref]))

    def verify_signature(self, *, body: bytes, headers: Mapping[str, str]) -> bool:
        return signature_matches(
            body, headers.get(SIGNATURE_HEADER, ""), settings.DUKAAN_PAYMENT_WEBHOOK_SECRET
        )

    def parse_event(self, body: bytes) -> ProviderEvent:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deeply
            raise InvalidEvent("The body is not JSON.") from None
        if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
            raise InvalidEvent('Expected {"id", "type", "data": {...}}.')
        event_id, event_type, inner = data.get("id"), data.get("type"), data["data"]
        # Ids and references are looked up in the database: a NUL byte there is an error on
        # PostgreSQL, so anything but printable text is refused here, before any query.
        if not _is_printable_text(event_id, max_length=100):
            raise InvalidEvent("Missing event id.")
        # A list or an object as the type cannot even be looked up in the set of known types.
        if not isinstance(event_type, str) or event_type not in KNOWN_EVENT_TYPES:
            raise InvalidEvent(f"Unknown event type {event_type!r}.")
        ref, currency = inner.get("payment_ref"), inner.get("currency")
        if not _is_printable_text(ref, max_length=64):
            raise InvalidEvent("Missing data.payment_ref.")
        if (
            not isinstance(currency, str)
            or len(currency) != 3
            or not (currency.isascii() and currency.isalpha())
        ):
            raise InvalidEvent("Missing data.currency.")
        try:
            amount = Decimal(str(inner.get("amount")))
        except (InvalidOperation, ValueError):
            raise InvalidEvent("Missing or bad data.amount.") from None
        if not amount.is_finite():
            raise InvalidEvent("Missing or bad data.amount.")
        return ProviderEvent(
            event_id=event_id, type=event_type, payment_ref=ref, amount=amount, currency=currency.upper()
        )

    # --- The gateway's own side: what a real gateway's servers would do.

    @staticmethod
    def build_event(
        payment: Payment, *, succeeded: bool, amount: Decimal | None = None, currency: str | None = None
    ) -> bytes:
        event = {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": EVENT_CAPTURED if succeeded else EVENT_FAILED,
            "data": {
                "payment_ref": payment.provider_ref,
                "amount": str(payment.amount if amount is None else amount),
                "currency": currency or payment.currency,
            },
        }
        return json.dumps(event).encode()

    @staticmethod
    def sign(body: bytes) -> str:
        return "sha256=" + hmac_sha256_hex(settings.DUKAAN_PAYMENT_WEBHOOK_SECRET, body)

    def deliver(self, *, url: str, body: bytes) -> int:
        """POST a signed webhook over HTTP; return the HTTP status (0 when the store was unreachable)."""
        request = urllib.request.Request(  # noqa: S310 - the URL is our own webhook endpoint
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: self.sign(body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            logger.warning("fake gateway webhook answered %s", exc.code)
            return exc.code
        except (urllib.error.URLError, OSError) as exc:
            logger.warning("fake gateway could not deliver its webhook to %s: %s", url, exc)
            return 0
