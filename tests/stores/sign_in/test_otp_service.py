"""Rules of one-time codes, through stores.services with the clock passed in."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stores import otp, services
from stores.models import OtpChallenge, User

PHONE = "+919812345678"


@pytest.fixture
def t0():
    return timezone.now()


def test_code_is_six_digits_and_keeps_leading_zeros():
    codes = {otp.generate_code() for _ in range(2000)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert any(c.startswith("0") for c in codes)  # 10% of codes; 2000 draws cannot all miss
    assert len(codes) > 1900


def test_only_a_keyed_hash_bound_to_the_phone_is_stored(db, sms_log, settings, t0):
    challenge = services.otp_request(phone=PHONE, ip="10.0.0.1", now=t0)
    code = sms_log.code_for(PHONE)
    assert code not in challenge.code_hash
    expected = hmac.new(
        settings.SECRET_KEY.encode(), f"dukaan-otp:{PHONE}:{code}".encode(), hashlib.sha256
    ).hexdigest()
    assert challenge.code_hash == expected
    assert challenge.code_hash != hashlib.sha256(code.encode()).hexdigest()
    assert otp.hash_code("+919812345679", code) != challenge.code_hash
    assert challenge.expires_at == t0 + timedelta(seconds=300)


def test_right_code_signs_in_a_new_seller_once(db, sms_log, t0):
    services.otp_request(phone="98123 45678", ip=None, now=t0)
    result = services.otp_verify(phone=PHONE, code=sms_log.code_for(PHONE), now=t0 + timedelta(seconds=10))
    assert result.is_new is True
    assert result.user.phone == PHONE
    assert not result.user.has_usable_password()
    with pytest.raises(services.OtpInvalid):
        services.otp_verify(phone=PHONE, code=sms_log.code_for(PHONE), now=t0 + timedelta(seconds=20))


def test_known_seller_is_not_new(db, sms_log, make_seller, t0):
    seller = make_seller(PHONE)
    services.otp_request(phone=PHONE, ip=None, now=t0)
    result = services.otp_verify(phone=PHONE, code=sms_log.code_for(PHONE), now=t0)
    assert (result.user, result.is_new) == (seller, False)
    assert User.objects.count() == 1


def test_code_expires_after_five_minutes(db, sms_log, t0):
    services.otp_request(phone=PHONE, ip=None, now=t0)
    code = sms_log.code_for(PHONE)
    with pytest.raises(services.OtpInvalid, match="expired"):
        services.otp_verify(phone=PHONE, code=code, now=t0 + timedelta(seconds=300))
    assert User.objects.count() == 0


def test_code_still_works_just_before_expiry(db, sms_log, t0):
    services.otp_request(phone=PHONE, ip=None, now=t0)
    services.otp_verify(phone=PHONE, code=sms_log.code_for(PHONE), now=t0 + timedelta(seconds=299))


def test_five_wrong_codes_kill_the_code_even_for_the_right_one(db, sms_log, t0):
    services.otp_request(phone=PHONE, ip=None, now=t0)
    code = sms_log.code_for(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    messages = []
    for _ in range(5):
        with pytest.raises(services.OtpInvalid) as exc:
            services.otp_verify(phone=PHONE, code=wrong, now=t0)
        messages.append(exc.value.message)
    assert messages[0] == "Wrong code. 4 attempts left."
    assert messages[3] == "Wrong code. 1 attempt left."
    assert "No attempts left" in messages[4]
    with pytest.raises(services.OtpLocked):
        services.otp_verify(phone=PHONE, code=code, now=t0)
    assert OtpChallenge.objects.get().attempts == 5
    assert User.objects.count() == 0


def test_malformed_code_is_refused_without_using_an_attempt(db, sms_log, t0):
    services.otp_request(phone=PHONE, ip=None, now=t0)
    for bad in ["", "12345", "1234567", "abcdef", "12 34 5x", None, ["123456"], "1" * 10_000, True]:
        with pytest.raises(services.OtpInvalid, match="6-digit"):
            services.otp_verify(phone=PHONE, code=bad, now=t0)
    assert OtpChallenge.objects.get().attempts == 0


def test_code_typed_with_spaces_is_accepted(db, sms_log, t0):
    services.otp_request(phone=PHONE, ip=None, now=t0)
    code = sms_log.code_for(PHONE)
    services.otp_verify(phone=PHONE, code=f" {code[:3]} {code[3:]} ", now=t0)


def test_only_the_latest_code_counts_and_signing_in_kills_older_ones(db, sms_log, no_cooldown, t0):
    services.otp_request(phone=PHONE, ip=None, now=t0)
    first = sms_log.code_for(PHONE)
    services.otp_request(phone=PHONE, ip=None, now=t0 + timedelta(seconds=1))
    second = sms_log.code_for(PHONE)
    if first != second:
        with pytest.raises(services.OtpInvalid):
            services.otp_verify(phone=PHONE, code=first, now=t0 + timedelta(seconds=2))
    services.otp_verify(phone=PHONE, code=second, now=t0 + timedelta(seconds=2))
    assert not OtpChallenge.objects.filter(consumed_at__isnull=True).exists()


def test_verify_without_any_code_sent_is_refused(db):
    with pytest.raises(services.OtpInvalid):
        services.otp_verify(phone=PHONE, code="123456")
    assert User.objects.count() == 0


def test_code_of_one_phone_does_not_sign_in_another(db, sms_log, t0):
    services.otp_request(phone=PHONE, ip=None, now=t0)
    with pytest.raises(services.OtpInvalid):
        services.otp_verify(phone="+919812345679", code=sms_log.code_for(PHONE), now=t0)


def test_resend_cooldown_then_allowed(db, sms_log, settings, t0):
    settings.DUKAAN_OTP_RESEND_COOLDOWN_SECONDS = 30
    services.otp_request(phone=PHONE, ip=None, now=t0)
    with pytest.raises(services.OtpThrottled) as exc:
        services.otp_request(phone=PHONE, ip=None, now=t0 + timedelta(seconds=10))
    assert exc.value.retry_after == 20
    assert "20 seconds" in exc.value.message
    services.otp_request(phone=PHONE, ip=None, now=t0 + timedelta(seconds=30))
    assert OtpChallenge.objects.count() == 2


def test_per_phone_hourly_limit(db, sms_log, settings, t0):
    settings.DUKAAN_OTP_RESEND_COOLDOWN_SECONDS = 30
    for minute in range(5):
        services.otp_request(phone=PHONE, ip=None, now=t0 + timedelta(minutes=minute))
    with pytest.raises(services.OtpThrottled, match="Too many codes sent to this number"):
        services.otp_request(phone=PHONE, ip=None, now=t0 + timedelta(minutes=10))
    assert OtpChallenge.objects.count() == 5
    # An hour after the first one, one more is allowed.
    services.otp_request(phone=PHONE, ip=None, now=t0 + timedelta(minutes=60, seconds=1))


def test_per_ip_hourly_limit_is_generous_for_carrier_nat(db, sms_log, no_cooldown, t0):
    for n in range(20):
        services.otp_request(phone=f"+9198000{n:05d}", ip="100.64.0.7", now=t0)
    with pytest.raises(services.OtpThrottled, match="your network"):
        services.otp_request(phone="+919800099999", ip="100.64.0.7", now=t0)
    services.otp_request(phone="+919800099999", ip="100.64.0.8", now=t0)
    assert OtpChallenge.objects.filter(requested_ip="100.64.0.7").count() == 20


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abcdefghij",
        "98765abcde",
        "12345",
        "+91 98765 4321",
        "9" * 40,
        "+1 555 0100",
        "+9100000000000",
    ],
)
def test_bad_phone_is_refused_and_nothing_is_sent(db, sms_log, raw):
    with pytest.raises(ValidationError):
        services.otp_request(phone=raw, ip="10.0.0.1")
    assert OtpChallenge.objects.count() == 0
    assert sms_log.lines() == []


def test_disabled_account_cannot_sign_in(db, sms_log, make_seller, t0):
    make_seller(PHONE, is_active=False)
    services.otp_request(phone=PHONE, ip=None, now=t0)
    with pytest.raises(services.AccountDisabled):
        services.otp_verify(phone=PHONE, code=sms_log.code_for(PHONE), now=t0)
