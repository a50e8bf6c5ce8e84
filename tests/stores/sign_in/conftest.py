"""Fixtures for sign-in tests: read codes the way a developer does, from the console SMS log line."""

from __future__ import annotations

import logging
import re

import pytest

from stores.models import OtpChallenge

_LINE = re.compile(r"^OTP for (\+\d{8,15}): (\d{6}) ")


@pytest.fixture
def sms_log(caplog):
    """Codes written by ConsoleSmsBackend, newest last: sms_log.code_for("+91...")."""
    caplog.set_level(logging.WARNING, logger="dukaan.sms")

    class Reader:
        def lines(self) -> list[str]:
            return [r.getMessage() for r in caplog.records if r.name == "dukaan.sms"]

        def code_for(self, phone: str) -> str:
            for line in reversed(self.lines()):
                match = _LINE.match(line)
                if match and match.group(1) == phone:
                    return match.group(2)
            raise AssertionError(f"no OTP logged for {phone}: {self.lines()}")

    return Reader()


@pytest.fixture
def no_cooldown(settings):
    """Lets a test send several codes in a row without waiting out the resend cooldown."""
    settings.DUKAAN_OTP_RESEND_COOLDOWN_SECONDS = 0
    return settings


@pytest.fixture
def otp_rows():
    return lambda: OtpChallenge.objects.count()
