"""Sending one-time codes by SMS. The backend is chosen by settings.DUKAAN_SMS_BACKEND.

- ConsoleSmsBackend: development only; writes the code to the log on one line.
- HttpSmsBackend: POSTs JSON to a provider (or our own SMS gateway) at DUKAAN_SMS_HTTP_URL
  with `Authorization: Bearer DUKAAN_SMS_HTTP_TOKEN`:
  {"to": "+919876543210", "otp": "123456", "message": "123456 is your Dukaan code..."}
  Any 2xx answer counts as accepted.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("dukaan.sms")

HTTP_TIMEOUT_SECONDS = 5.0


class SmsDeliveryError(Exception):
    """The SMS provider could not be reached or refused the message."""


class SmsBackend(Protocol):
    def send_otp(self, phone_e164: str, code: str) -> None: ...


def otp_message(code: str) -> str:
    minutes = max(1, settings.DUKAAN_OTP_TTL_SECONDS // 60)
    return f"{code} is your Dukaan code. It expires in {minutes} minutes. Do not share it with anyone."


class ConsoleSmsBackend:
    """Writes each code to the log (logger "dukaan.sms", WARNING so it always shows).

    It refuses to run outside development and tests: in production it would put every
    login code into the log files.
    """

    def __init__(self) -> None:
        if not settings.DUKAAN_ALLOW_CONSOLE_SMS:
            raise ImproperlyConfigured(
                "ConsoleSmsBackend prints login codes to the log and runs only with DJANGO_DEBUG=1. "
                "Set DUKAAN_SMS_BACKEND=stores.sms.HttpSmsBackend and DUKAAN_SMS_HTTP_URL in production."
            )

    def send_otp(self, phone_e164: str, code: str) -> None:
        logger.warning("OTP for %s: %s (console SMS backend, development only)", phone_e164, code)


class HttpSmsBackend:
    """A real provider behind one JSON endpoint, configured by environment variables."""

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> None:
        self.url = url if url is not None else settings.DUKAAN_SMS_HTTP_URL
        self.token = token if token is not None else settings.DUKAAN_SMS_HTTP_TOKEN
        self.timeout = timeout if timeout is not None else HTTP_TIMEOUT_SECONDS
        if urlsplit(self.url).scheme not in {"http", "https"}:
            raise ImproperlyConfigured(
                "DUKAAN_SMS_HTTP_URL must be an http(s) URL of the SMS provider's send endpoint."
            )

    def send_otp(self, phone_e164: str, code: str) -> None:
        body = json.dumps({"to": phone_e164, "otp": code, "message": otp_message(code)}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsDeliveryError(f"SMS provider answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsDeliveryError(f"SMS provider unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsDeliveryError(f"SMS provider answered HTTP {status}")
        # Never log the code here: production logs must not hold working login codes.
        logger.info("OTP SMS accepted by provider for %s", _masked(phone_e164))


def _masked(phone_e164: str) -> str:
    return phone_e164[:-4].rstrip() + "****" if len(phone_e164) > 6 else "****"


def get_sms_backend() -> SmsBackend:
    """A fresh backend instance per send: settings may change (tests), construction is cheap."""
    return import_string(settings.DUKAAN_SMS_BACKEND)()
