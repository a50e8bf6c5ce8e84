"""The interface every payment gateway implements, and the event shape webhooks are parsed into."""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest

from payments.models import Payment

EVENT_CAPTURED = "payment.captured"
EVENT_FAILED = "payment.failed"
KNOWN_EVENT_TYPES = frozenset({EVENT_CAPTURED, EVENT_FAILED})


class InvalidEvent(ValueError):
    """A webhook body with a valid signature that we cannot read (bad JSON, missing fields)."""


@dataclass(frozen=True)
class ProviderEvent:
    event_id: str
    type: str
    payment_ref: str
    amount: Decimal
    currency: str


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class PaymentProvider(ABC):
    """A gateway: sends the customer somewhere to pay, then tells us by signed webhook."""

    name: str
    label: str

    @abstractmethod
    def create_payment(self, *, payment: Payment, request: HttpRequest) -> str:
        """Register `payment` with the gateway; return the URL to send the customer to."""

    @abstractmethod
    def verify_signature(self, *, body: bytes, headers: Mapping[str, str]) -> bool:
        """True only if the raw body was signed by the gateway (compared in constant time)."""

    @abstractmethod
    def parse_event(self, body: bytes) -> ProviderEvent:
        """The event in a verified body, or InvalidEvent."""
