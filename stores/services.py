"""Writes for sellers and stores: one-time-code sign-in, store creation and store settings.

Every function is keyword-only and takes `now` where time matters, so tests control the
clock without sleeping or patching.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, UnidentifiedImageError

from stores import otp
from stores.models import RESERVED_SLUGS, OtpChallenge, Store, User
from stores.phone import normalize_phone
from stores.sms import SmsDeliveryError, get_sms_backend

logger = logging.getLogger(__name__)

STORE_NAME_MAX_LENGTH = 80
SLUG_MAX_LENGTH = 50
DESCRIPTION_MAX_LENGTH = 2000
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 512
LOGO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
_UPI_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,98}@[A-Za-z][A-Za-z0-9]{1,48}$")


# --------------------------------------------------------------------------- one-time codes


class OtpError(Exception):
    """A code request or check that must be refused; `message` can be shown to the seller."""

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


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def otp_request(*, phone: str, ip: str | None, now: datetime | None = None) -> OtpChallenge:
    """Send a fresh code to `phone` (any form a seller types), within the sending limits.

    Raises ValidationError for a bad number, OtpThrottled when a limit is hit,
    OtpDeliveryFailed when the SMS provider fails. Whether the phone belongs to a seller
    is never looked at, so the answer cannot reveal who has an account.
    """
    phone_e164 = normalize_phone(phone)
    ip = otp.rate_limit_address(ip)  # an IPv6 client is counted (and stored) as its /64
    try:
        backend = get_sms_backend()  # a misconfigured backend fails before anything is recorded
    except ImproperlyConfigured as exc:
        logger.error("OTP SMS backend is misconfigured: %s", exc)
        raise OtpDeliveryFailed("Sign-in by SMS is not available right now. Please try again later.") from exc
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
            raise OtpThrottled(f"A code was just sent. You can ask for a new one in {wait} seconds.", wait)
        if recent.count() >= settings.DUKAAN_OTP_MAX_SENDS_PER_PHONE_PER_HOUR:
            oldest = recent.order_by("created_at").only("created_at").first()
            wait = int((oldest.created_at + timedelta(hours=1) - now).total_seconds()) + 1
            raise OtpThrottled(
                f"Too many codes sent to this number. Try again in {_minutes(wait)}.",
                wait,
            )
        if ip:
            from_ip = OtpChallenge.objects.filter(requested_ip=ip, created_at__gt=hour_ago)
            if from_ip.count() >= settings.DUKAAN_OTP_MAX_SENDS_PER_IP_PER_HOUR:
                oldest = from_ip.order_by("created_at").only("created_at").first()
                wait = int((oldest.created_at + timedelta(hours=1) - now).total_seconds()) + 1
                raise OtpThrottled(
                    f"Too many codes requested from your network. Try again in {_minutes(wait)}.",
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
        raise OtpDeliveryFailed("We could not send the SMS just now. Please try again in a minute.") from exc
    return challenge


def otp_verify(*, phone: str, code: object, now: datetime | None = None) -> OtpVerification:
    """Check a code; on success mark it used and return the seller (created if new).

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
        raise OtpInvalid("Enter the 6-digit code from the SMS.")
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
            raise OtpInvalid("This code has expired or was already used. Ask for a new code.")
        if challenge.attempts >= max_attempts:
            raise OtpLocked("Too many wrong codes. Ask for a new code.")
        if not otp.code_matches(challenge.code_hash, phone_e164, digits):
            counted = OtpChallenge.objects.filter(pk=challenge.pk, attempts__lt=max_attempts).update(
                attempts=F("attempts") + 1
            )
            left = max_attempts - challenge.attempts - 1
            if not counted:
                failure = OtpLocked("Too many wrong codes. Ask for a new code.")
            elif left > 0:
                failure = OtpInvalid(f"Wrong code. {left} attempt{'s' if left != 1 else ''} left.")
            else:
                failure = OtpInvalid("Wrong code. No attempts left: ask for a new code.")
        else:
            used = OtpChallenge.objects.filter(
                pk=challenge.pk, consumed_at__isnull=True, attempts__lt=max_attempts
            ).update(consumed_at=now)
            if not used:
                raise OtpInvalid("This code has expired or was already used. Ask for a new code.")
            # Sellers sign in by code only: a new account gets an unusable password.
            user, created = User.objects.get_or_create(
                phone=phone_e164, defaults={"password": make_password(None)}
            )
            if not user.is_active:
                raise AccountDisabled("This account is switched off. Please contact Dukaan support.")
            # Any other unused codes of this phone die with this sign-in.
            OtpChallenge.objects.filter(phone=phone_e164, consumed_at__isnull=True).update(consumed_at=now)
    # Raised outside the transaction so the counted attempt is committed, not rolled back.
    if failure is not None:
        raise failure
    return OtpVerification(user=user, is_new=created)


# --------------------------------------------------------------------------- stores


def validate_store_name(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValidationError({"name": ["Enter a name for your store."]})
    name = raw.strip()
    if not name:
        raise ValidationError({"name": ["Enter a name for your store."]})
    if len(name) > STORE_NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": [f"Keep the store name to {STORE_NAME_MAX_LENGTH} characters (it has {len(name)})."]}
        )
    if any(ord(ch) < 32 for ch in name):
        raise ValidationError({"name": ["The store name cannot contain line breaks or control characters."]})
    return name


def slug_base(name: str) -> str:
    """The preferred slug for a name; never a reserved word and never empty."""
    base = slugify(name)[:SLUG_MAX_LENGTH].strip("-") or "store"
    if base in RESERVED_SLUGS:
        # "Admin" -> "admin-store"; the bare fallback "store" -> "my-store".
        base = f"my-{base}" if base.startswith("store") else f"{base}-store"
    return base


def _with_suffix(base: str, suffix: str) -> str:
    return base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix


def _slug_candidates(base: str) -> Iterator[str]:
    yield base
    for number in range(2, 101):
        yield _with_suffix(base, f"-{number}")
    while True:  # a very popular name: stop counting, pick random suffixes
        yield _with_suffix(base, f"-{secrets.token_hex(3)}")


def _batches(items: Iterator[str], size: int) -> Iterator[list[str]]:
    while True:
        batch = [next(items) for _ in range(size)]
        yield batch


def store_create(*, owner: User, name: object) -> Store:
    """Create a live store for `owner` with a unique slug derived from its name.

    Free slugs are looked up ten at a time; a slug taken by a parallel request between the
    look-up and the insert trips the unique constraint and the next candidate is tried.
    """
    clean_name = validate_store_name(name)
    base = slug_base(clean_name)
    for batch in _batches(_slug_candidates(base), 10):
        taken = set(Store.objects.filter(slug__in=batch).values_list("slug", flat=True))
        for slug in batch:
            if slug in taken or slug in RESERVED_SLUGS:
                continue
            try:
                with transaction.atomic():
                    return Store.objects.create(owner=owner, name=clean_name, slug=slug)
            except IntegrityError:
                continue
    raise AssertionError("unreachable: slug candidates are endless")  # pragma: no cover


def normalize_whatsapp(raw: object) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    try:
        return normalize_phone(raw)
    except ValidationError as exc:
        raise ValidationError({"whatsapp_number": exc.messages}) from None


def validate_upi_id(raw: object) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    if not isinstance(raw, str) or not _UPI_ID.match(raw.strip()):
        raise ValidationError({"upi_id": ["Enter a UPI id like shopname@okaxis."]})
    return raw.strip()


def validate_description(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValidationError({"description": ["Enter the description as text."]})
    text = raw.strip()
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": [
                    f"Keep the description to {DESCRIPTION_MAX_LENGTH} characters (it has {len(text)})."
                ]
            }
        )
    return text


def prepare_logo(upload: Any) -> ContentFile:
    """Check an uploaded logo is a real, reasonably sized image and re-encode it as a PNG.

    Re-encoding drops metadata (a phone photo's EXIF carries the shop's GPS location) and
    anything hidden after the image data; 512 px is plenty for a logo.
    """
    size = getattr(upload, "size", None)
    if size is None or size <= 0:
        raise ValidationError({"logo": ["The logo file is empty."]})
    if size > LOGO_MAX_BYTES:
        raise ValidationError(
            {"logo": [f"The logo is too large: keep it under {LOGO_MAX_BYTES // 1024 // 1024} MB."]}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in LOGO_FORMATS:
                raise ValidationError({"logo": ["Upload the logo as a JPEG, PNG, WebP or GIF image."]})
            if probe.width * probe.height > settings.DUKAAN_MAX_IMAGE_PIXELS:
                raise ValidationError({"logo": ["The logo has too many pixels."]})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
            has_alpha = image.mode in {"RGBA", "LA", "P"}
            out = image.convert("RGBA" if has_alpha else "RGB")
            buffer = io.BytesIO()
            out.save(buffer, format="PNG", optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            {"logo": ["This file is not an image we can read. Upload a JPEG or PNG."]}
        ) from None
    return ContentFile(buffer.getvalue())


_UNSET: Any = object()


def store_update(
    *,
    store: Store,
    name: object = _UNSET,
    description: object = _UNSET,
    whatsapp_number: object = _UNSET,
    upi_id: object = _UNSET,
    is_active: object = _UNSET,
    logo: Any = _UNSET,
    remove_logo: bool = False,
) -> Store:
    """Change a store's settings; only the arguments passed are touched.

    The slug never changes with the name: it is the link sellers have already shared.
    All values are validated before anything is written; errors come back together.
    """
    changes: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def check(field: str, value: object, validator) -> None:
        if value is _UNSET:
            return
        try:
            changes[field] = validator(value)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)

    check("name", name, validate_store_name)
    check("description", description, validate_description)
    check("whatsapp_number", whatsapp_number, normalize_whatsapp)
    check("upi_id", upi_id, validate_upi_id)
    if is_active is not _UNSET:
        if not isinstance(is_active, bool):
            errors.setdefault("is_active", []).append("Must be true or false.")
        else:
            changes["is_active"] = is_active
    logo_file: ContentFile | None = None
    if logo is not _UNSET and logo is not None:
        check("logo", logo, prepare_logo)
        logo_file = changes.pop("logo", None)
    if errors:
        raise ValidationError(errors)

    old_logo = store.logo.name
    if logo_file is not None:
        changes["logo"] = default_storage.save(f"logos/{store.slug}/{uuid.uuid4().hex}.png", logo_file)
    elif remove_logo:
        changes["logo"] = ""
    if not changes:
        return store
    with transaction.atomic():
        for field, value in changes.items():
            setattr(store, field, value)
        store.save(update_fields=[*changes, "updated_at"])
        if "logo" in changes and old_logo:
            # robust: a bucket hiccup must not turn a saved change into an error page;
            # `manage.py sweep_media` removes the orphan later.
            transaction.on_commit(lambda: default_storage.delete(old_logo), robust=True)
    return store
