"""Sending a notification: the provider interface, like stores/sms.py's. DUKAAN_NOTIFY_BACKEND chooses.

- console: development; writes each message to the log (logger "dukaan.notify") on one line.
- http: production; POSTs JSON to DUKAAN_NOTIFY_HTTP_URL with
  `Authorization: Bearer DUKAAN_NOTIFY_HTTP_TOKEN` and an `Idempotency-Key` header (SPEC section 7):
  {"to": "+919876543210", "event": "order.placed", "store": "<slug>", "order": 1001,
   "message": "...", "idempotency_key": "ntf_..."}
  Any 2xx is accepted. 5xx, 429, a timeout or no connection are worth another try; any other
  answer (a 4xx: a bad number, a bad token) is not.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("dukaan.notify")

RESPONSE_KEPT = 500  # characters of the provider's answer stored on the notification


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    event: str
    store: str
    order: int
    message: str
    idempotency_key: str

    def as_json(self) -> dict:
        return {
            "to": self.to,
            "event": self.event,
            "store": self.store,
            "order": self.order,
            "message": self.message,
            "idempotency_key": self.idempotency_key,
        }


@dataclass(frozen=True)
class ProviderAnswer:
    """What the provider said to an accepted message."""

    status: int | None
    body: str = ""


class DeliveryError(Exception):
    """The provider did not accept the message; `retryable` says whether another try may work."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.body = body


class NotifyBackend(Protocol):
    def send(self, message: OutgoingMessage) -> ProviderAnswer: ...


class ConsoleNotifyBackend:
    """Writes each message to the log: what a newcomer running ./bin/run sees in the terminal."""

    def send(self, message: OutgoingMessage) -> ProviderAnswer:
        text = message.message.replace("\n", " ")
        logger.warning(
            "NOTIFY %s to %s (store %s, order #%s, key %s): %s",
            message.event,
            message.to,
            message.store,
            message.order,
            message.idempotency_key,
            text,
        )
        return ProviderAnswer(status=None, body="console")


class HttpNotifyBackend:
    """A WhatsApp/SMS provider (or our own gateway) behind one JSON endpoint."""

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> None:
        self.url = url if url is not None else settings.DUKAAN_NOTIFY_HTTP_URL
        self.token = token if token is not None else settings.DUKAAN_NOTIFY_HTTP_TOKEN
        self.timeout = timeout if timeout is not None else settings.DUKAAN_NOTIFY_HTTP_TIMEOUT_SECONDS
        if urlsplit(self.url).scheme not in {"http", "https"}:
            raise ImproperlyConfigured(
                "DUKAAN_NOTIFY_HTTP_URL must be the http(s) URL of the notification provider's send "
                "endpoint (or set DUKAAN_NOTIFY_BACKEND=console in development)."
            )

    def send(self, message: OutgoingMessage) -> ProviderAnswer:
        body = json.dumps(message.as_json(), ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Idempotency-Key": message.idempotency_key,
            },
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            # The timeout bounds every socket wait, so a slow provider holds one worker thread for
            # at most this long; the others go on delivering.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
                answer = response.read(RESPONSE_KEPT * 2).decode("utf-8", "replace")[:RESPONSE_KEPT]
        except urllib.error.HTTPError as exc:
            answer = _read_error_body(exc)
            retryable = exc.code >= 500 or exc.code in (408, 429)
            raise DeliveryError(
                f"provider answered HTTP {exc.code}", retryable=retryable, status=exc.code, body=answer
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"provider unreachable or too slow: {reason}", retryable=True) from exc
        if not 200 <= status < 300:
            raise DeliveryError(
                f"provider answered HTTP {status}", retryable=False, status=status, body=answer
            )
        return ProviderAnswer(status=status, body=answer)


def _read_error_body(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(RESPONSE_KEPT * 2).decode("utf-8", "replace")[:RESPONSE_KEPT]
    except Exception:  # the body of an error answer is a courtesy
        return ""


BACKENDS = {"console": ConsoleNotifyBackend, "http": HttpNotifyBackend}


def get_backend() -> NotifyBackend:
    """A fresh backend per send: settings may change (tests), and construction is cheap."""
    name = settings.DUKAAN_NOTIFY_BACKEND
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ImproperlyConfigured(
            f"DUKAAN_NOTIFY_BACKEND={name!r}: use one of {', '.join(sorted(BACKENDS))}."
        ) from None
