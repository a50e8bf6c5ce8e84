"""Writes for stores: opening one (with a unique slug) and changing its settings."""

from __future__ import annotations

import io
import re
import secrets
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import UnidentifiedImageError

from dukaan.images import DecoderBusy, ImageTooLarge, decode_downscaled
from dukaan.money import parse_amount
from stores.gstin import normalize_gstin
from stores.models import RESERVED_SLUGS, Language, Store, User
from stores.phone import normalize_phone

STORE_NAME_MAX_LENGTH = 80
SLUG_MAX_LENGTH = 50
DESCRIPTION_MAX_LENGTH = 2000
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 512
LOGO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
_UPI_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,98}@[A-Za-z][A-Za-z0-9]{1,48}$")


def validate_store_name(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValidationError({"name": [_("Enter a name for your store.")]})
    name = raw.strip()
    if not name:
        raise ValidationError({"name": [_("Enter a name for your store.")]})
    if len(name) > STORE_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "name": [
                    _("Keep the store name to %(max)d characters (it has %(count)d).")
                    % {"max": STORE_NAME_MAX_LENGTH, "count": len(name)}
                ]
            }
        )
    if any(ord(ch) < 32 for ch in name):
        raise ValidationError(
            {"name": [_("The store name cannot contain line breaks or control characters.")]}
        )
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
        raise ValidationError({"upi_id": [_("Enter a UPI id like shopname@okaxis.")]})
    return raw.strip()


def _fee_validator(field: str, label: str, *, nullable: bool):
    """A validator for one of the store's money fields; `nullable` ones take null/"" for "none"."""

    def validate(raw: object) -> Decimal | None:
        if nullable and (raw is None or (isinstance(raw, str) and not raw.strip())):
            return None
        try:
            return parse_amount(raw, label=label)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from None

    return validate


validate_delivery_fee = _fee_validator("delivery_fee", gettext_lazy("Delivery fee"), nullable=False)
validate_free_delivery_above = _fee_validator(
    "free_delivery_above", gettext_lazy("Free delivery above"), nullable=True
)
validate_delivery_fee_online = _fee_validator(
    "delivery_fee_online", gettext_lazy("Online delivery fee"), nullable=True
)


def validate_gst_percent(raw: object) -> Decimal:
    try:
        return parse_amount(raw, label=_("GST %"), maximum=Decimal("100"))
    except ValidationError as exc:
        raise ValidationError({"gst_percent": exc.messages}) from None


def validate_gstin(raw: object) -> str:
    if raw is None:
        return ""
    try:
        return normalize_gstin(raw)
    except ValidationError as exc:
        raise ValidationError({"gstin": exc.messages}) from None


def validate_description(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValidationError({"description": [_("Enter the description as text.")]})
    text = raw.strip()
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": [
                    _("Keep the description to %(max)d characters (it has %(count)d).")
                    % {"max": DESCRIPTION_MAX_LENGTH, "count": len(text)}
                ]
            }
        )
    return text


def validate_language(raw: object) -> str:
    if raw not in Language.values:
        choices = ", ".join(f"{code} ({label})" for code, label in Language.choices)
        raise ValidationError({"language": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    return str(raw)


def user_set_language(*, user: User, language: object) -> User:
    """The seller's own dashboard language (the storefront follows Store.language instead)."""
    user.language = validate_language(language)
    user.save(update_fields=["language"])
    return user


def logo_too_large_message() -> str:
    """What a seller is told about a logo file over LOGO_MAX_BYTES (also before its body is read)."""
    return _("The logo is too large: keep it under %(size)d MB.") % {"size": LOGO_MAX_BYTES // 1024 // 1024}


def prepare_logo(upload: Any) -> ContentFile:
    """Check an uploaded logo is a real, reasonably sized image and re-encode it as a PNG.

    Re-encoding drops metadata (a phone photo's EXIF carries the shop's GPS location) and
    anything hidden after the image data; 512 px is plenty for a logo. The decode goes through
    dukaan/images.py like a product photo's: header checks first, decoded small, slots shared.
    """
    size = getattr(upload, "size", None)
    if size is None or size <= 0:
        raise ValidationError({"logo": [_("The logo file is empty.")]})
    if size > LOGO_MAX_BYTES:
        raise ValidationError({"logo": [logo_too_large_message()]})
    max_pixels = settings.DUKAAN_MAX_LOGO_PIXELS
    try:
        upload.seek(0)
        data = upload.read(LOGO_MAX_BYTES + 1)  # the declared size could lie: read no more than allowed
        if len(data) > LOGO_MAX_BYTES:
            raise ValidationError({"logo": [logo_too_large_message()]})
        decoded = decode_downscaled(
            data, formats=LOGO_FORMATS, max_pixels=max_pixels, max_side=LOGO_MAX_SIDE, keep_alpha=True
        )
        buffer = io.BytesIO()
        decoded.image.save(buffer, format="PNG", optimize=True)
    except ValidationError:
        raise
    except ImageTooLarge as exc:
        limit = f"{max_pixels / 1_000_000:g}"
        if exc.too_many_pixels:
            message = _("The logo has too many pixels; upload one of at most %(limit)s megapixels.") % {
                "limit": limit
            }
        else:
            message = _("This %(format)s logo is too large to process; save it as a PNG or JPEG.") % {
                "format": exc.format_name
            }
        raise ValidationError({"logo": [message]}) from None
    except DecoderBusy:
        raise ValidationError(
            {"logo": [_("Too many images are being processed right now; please try again in a minute.")]}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(
            {"logo": [_("This file is not an image we can read. Upload a JPEG or PNG.")]}
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
    delivery_fee: object = _UNSET,
    free_delivery_above: object = _UNSET,
    delivery_fee_online: object = _UNSET,
    gstin: object = _UNSET,
    gst_percent: object = _UNSET,
    language: object = _UNSET,
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
    check("delivery_fee", delivery_fee, validate_delivery_fee)
    check("free_delivery_above", free_delivery_above, validate_free_delivery_above)
    check("delivery_fee_online", delivery_fee_online, validate_delivery_fee_online)
    check("gstin", gstin, validate_gstin)
    check("gst_percent", gst_percent, validate_gst_percent)
    check("language", language, validate_language)
    if is_active is not _UNSET:
        if not isinstance(is_active, bool):
            errors.setdefault("is_active", []).append(_("Must be true or false."))
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
