"""Parallel submissions against the real PostgreSQL: the row lock and conditional UPDATEs hold."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from stores import otp, services
from stores.models import OtpChallenge, User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE = "+919812345678"


def _run_in_parallel(workers: int, fn) -> list[str]:
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait(10)
            result = fn()
        except Exception as exc:
            result = type(exc).__name__
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _challenge(code: str) -> OtpChallenge:
    now = timezone.now()
    return OtpChallenge.objects.create(
        phone=PHONE,
        code_hash=otp.hash_code(PHONE, code),
        created_at=now,
        expires_at=now + timedelta(minutes=5),
    )


def test_two_parallel_right_codes_sign_in_only_once():
    _challenge("424242")

    def verify() -> str:
        services.otp_verify(phone=PHONE, code="424242")
        return "ok"

    outcomes = Counter(_run_in_parallel(8, verify))
    assert outcomes == {"ok": 1, "OtpInvalid": 7}
    assert User.objects.count() == 1


def test_parallel_wrong_guesses_never_exceed_the_attempt_cap():
    challenge = _challenge("424242")

    def guess() -> str:
        try:
            services.otp_verify(phone=PHONE, code="000001")
        except services.OtpError as exc:
            return type(exc).__name__
        return "ok"

    outcomes = Counter(_run_in_parallel(12, guess))
    assert outcomes == {"OtpInvalid": 5, "OtpLocked": 7}
    challenge.refresh_from_db()
    assert challenge.attempts == 5


def test_parallel_code_requests_respect_the_per_phone_limit(settings):
    settings.DUKAAN_OTP_RESEND_COOLDOWN_SECONDS = 0

    def request() -> str:
        services.otp_request(phone=PHONE, ip="10.9.9.9")
        return "sent"

    outcomes = Counter(_run_in_parallel(10, request))
    assert outcomes == {"sent": 5, "OtpThrottled": 5}
    assert OtpChallenge.objects.count() == 5
