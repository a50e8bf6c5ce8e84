"""Sign-in by one-time code: sending a code within the limits, and checking it.

Every function is keyword-only and takes `now` where time matters, so tests control the
clock without sleeping or patching.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.authtoken.models import Token

from dukaan.http.client_ip import rate_limit_address
from stores import otp
from stores.models import Language, OtpChallenge, User
from stores.phone import normalize_phone
from stores.sms import SmsDeliveryError, get_sms_backend

logger = logging.getLogger("stores.services")


class OtpError(Exception):
    """A code request or check that must be refused; `message` can be shown to the seller.

    The message is written in the language active when it is raised (the sign-in page's).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OtpThrottled(OtpError):
    """Too many codes asked for (cooldown or hourly limit). HTTP 429."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class OtpInvalid(OtpError):
    """Wrong, expired, used or never-sent code. HTTP 400."""


class OtpLocked(OtpError):
    """Too many wrong attempts on this code: it is dead. HTTP 429."""


class OtpDeliveryFailed(OtpError):
    """The SMS provider failed. HTTP 503."""


class AccountDisabled(OtpError):
    """The code was right but the account is switched off. HTTP 403."""


@dataclass(frozen=True)
class OtpVerification:
    user: User
    is_new: bool


def _advisory_lock(key: str) -> None:
    """Serialise code requests for one phone/IP across app servers (PostgreSQL only).

    SQLite needs nothing: its IMMEDIATE transactions already admit one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [4242, zlib.crc32(key.encode()) - 2**31])


def _seconds(seconds: int) -> str:
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def otp_request(*, phone: str, ip: str | None, now: datetime | None = None) -> OtpChallenge:
    """Send a fresh code to `phone` (any form a seller types), within the sending limits.

    Raises ValidationError for a bad number, OtpThrottled when a limit is hit,
    OtpDeliveryFailed when the SMS provider fails. Whether the phone belongs to a seller
    is never looked at, so the answer cannot reveal who has an account.
    """
    phone_e164 = normalize_phone(phone)
    ip = rate_limit_address(ip)  # an IPv6 client is counted (and stored) as its /64
    try:
        backend = get_sms_backend()  # a misconfigured backend fails before anything is recorded
    except ImproperlyConfigured as exc:
        logger.error("OTP SMS backend is misconfigured: %s", exc)
        raise OtpDeliveryFailed(
            _("Sign-in by SMS is not available right now. Please try again later.")
        ) from exc
    code = otp.generate_code()
    with transaction.atomic():
        # Locks taken in a fixed order (phone, then IP) so two requests never deadlock.
        _advisory_lock(f"otp-phone:{phone_e164}")
        if ip:
            _advisory_lock(f"otp-ip:{ip}")
        # The clock is read once the lock is held, so rows are created in time order.
        now = now or timezone.now()
        hour_ago = now - timedelta(hours=1)
        recent = OtpChallenge.objects.filter(phone=phone_e164, created_at__gt=hour_ago)
        latest = recent.order_by("-created_at").only("created_at").first()
        cooldown = settings.DUKAAN_OTP_RESEND_COOLDOWN_SECONDS
        if latest is not None and (now - latest.created_at).total_seconds() < cooldown:
            wait = min(cooldown, cooldown - int((now - latest.created_at).total_seconds()))
            raise OtpThrottled(
                _("A code was just sent. You can ask for a new one in %(wait)s.") % {"wait": _seconds(wait)},
                wait,
            )
        if recent.count() >= settings.DUKAAN_OTP_MAX_SENDS_PER_PHONE_PER_HOUR:
            oldest = recent.order_by("created_at").only("created_at").first()
            wait = int((oldest.created_at + timedelta(hours=1) - now).total_seconds()) + 1
            raise OtpThrottled(
                _("Too many codes sent to this number. Try again in %(wait)s.") % {"wait": _minutes(wait)},
                wait,
            )
        if ip:
            from_ip = OtpChallenge.objects.filter(requested_ip=ip, created_at__gt=hour_ago)
            if from_ip.count() >= settings.DUKAAN_OTP_MAX_SENDS_PER_IP_PER_HOUR:
                oldest = from_ip.order_by("created_at").only("created_at").first()
                wait = int((oldest.created_at + timedelta(hours=1) - now).total_seconds()) + 1
                raise OtpThrottled(
                    _("Too many codes requested from your network. Try again in %(wait)s.")
                    % {"wait": _minutes(wait)},
                    wait,
                )
        challenge = OtpChallenge.objects.create(
            phone=phone_e164,
            code_hash=otp.hash_code(phone_e164, code),
            requested_ip=ip,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.DUKAAN_OTP_TTL_SECONDS),
        )
    # Sent after commit and outside the locks: a slow provider must not hold other requests.
    # The row stays even if sending fails, so a failing provider cannot be hammered.
    try:
        backend.send_otp(phone_e164, code)
    except SmsDeliveryError as exc:
        logger.error("OTP SMS failed: %s", exc)
        raise OtpDeliveryFailed(
            _("We could not send the SMS just now. Please try again in a minute.")
        ) from exc
    return challenge


def otp_verify(
    *, phone: str, code: object, language: str | None = None, now: datetime | None = None
) -> OtpVerification:
    """Check a code; on success mark it used and return the seller (created if new).

    A new seller's dashboard starts in `language` (the sign-in page's: "hi" for one who signed
    up on the Hindi page), English if none or unknown; an existing seller's choice is kept.

    Raises ValidationError for a bad number, OtpInvalid (wrong/expired/used),
    OtpLocked (attempts exhausted), AccountDisabled.
    The latest unused code of the phone is the only one that counts. Its row is locked
    while it is checked, and the attempt counter and the "used" mark only move through
    conditional UPDATEs, so parallel submissions can neither both succeed nor exceed the cap.
    """
    phone_e164 = normalize_phone(phone)
    now = now or timezone.now()
    digits = otp.clean_code_input(code)
    if digits is None:
        raise OtpInvalid(_("Enter the 6-digit code from the SMS."))
    max_attempts = settings.DUKAAN_OTP_MAX_ATTEMPTS
    failure: OtpError | None = None
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.select_for_update()
            .filter(phone=phone_e164, consumed_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if challenge is None or challenge.expires_at <= now:
            raise OtpInvalid(_("This code has expired or was already used. Ask for a new code."))
        if challenge.attempts >= max_attempts:
            raise OtpLocked(_("Too many wrong codes. Ask for a new code."))
        if not otp.code_matches(challenge.code_hash, phone_e164, digits):
            counted = OtpChallenge.objects.filter(pk=challenge.pk, attempts__lt=max_attempts).update(
                attempts=F("attempts") + 1
            )
            left = max_attempts - challenge.attempts - 1
            if not counted:
                failure = OtpLocked(_("Too many wrong codes. Ask for a new code."))
            elif left > 0:
                failure = OtpInvalid(
                    ngettext(
                        "Wrong code. %(count)d attempt left.", "Wrong code. %(count)d attempts left.", left
                    )
                    % {"count": left}
                )
            else:
                failure = OtpInvalid(_("Wrong code. No attempts left: ask for a new code."))
        else:
            used = OtpChallenge.objects.filter(
                pk=challenge.pk, consumed_at__isnull=True, attempts__lt=max_attempts
            ).update(consumed_at=now)
            if not used:
                raise OtpInvalid(_("This code has expired or was already used. Ask for a new code."))
            # Sellers sign in by code only: a new account gets an unusable password. The defaults
            # only apply to a new account: an existing seller keeps the language they chose.
            user, created = User.objects.get_or_create(
                phone=phone_e164,
                defaults={
                    "password": make_password(None),
                    "language": language if language in Language.values else Language.EN,
                },
            )
            if not user.is_active:
                raise AccountDisabled(_("This account is switched off. Please contact Dukaan support."))
            # Any other unused codes of this phone die with this sign-in.
            OtpChallenge.objects.filter(phone=phone_e164, consumed_at__isnull=True).update(consumed_at=now)
    # Raised outside the transaction so the counted attempt is committed, not rolled back.
    if failure is not None:
        raise failure
    return OtpVerification(user=user, is_new=created)


def api_token_issue(*, user: User) -> Token:
    """A new API token for a sign-in by code; any token the seller had before stops working.

    A token handed out once used to stay valid for ever, so a phone that was lost or sold kept
    its access. Each sign-in now rotates it: only the newest sign-in holds a working token.
    """
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def api_token_revoke(*, user: User) -> int:
    """Sign the seller out of the app: delete their API token. Returns how many were deleted."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
