"""Product photos: verify, orient, strip, resize and store them under content-addressed names.

A seller's photo comes straight from a phone camera: it may be sideways (EXIF orientation),
carry GPS coordinates in its metadata, be a 12 MB PNG, or not be an image at all. Nothing is
trusted from the browser (file name, content type); Pillow decides what the bytes are.

The stored objects are named after the SHA-256 of their own bytes, so they never change once
written and can be cached forever by a CDN.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from dukaan.images import DecodedImage, DecoderBusy, ImageTooLarge, decode_downscaled

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
THUMB_MAX_SIDE = 400
# The seller's product list shows photos at 64 CSS px: 128 px covers a 2x phone screen.
SMALL_MAX_SIDE = 128
LARGE_MAX_SIDE = 1200
JPEG_QUALITY = 82
READ_CHUNK = 64 * 1024

NOT_AN_IMAGE = gettext_lazy("This file is not a JPEG, PNG or WebP image.")
TRUNCATED = gettext_lazy(
    "The photo file is incomplete (it was cut off while uploading); please upload it again."
)
UNREADABLE = gettext_lazy("This photo could not be read; please save it again as JPEG or PNG and retry.")
BUSY = gettext_lazy("Too many photos are being processed right now; please try again in a minute.")


@dataclass
class ProcessedImage:
    """The stored variants of one uploaded photo.

    `created_names` are the objects this call actually wrote (a content-addressed name that
    already existed is reused, and is not ours to delete if something later fails).
    """

    thumb_name: str
    large_name: str
    small_name: str
    sha256: str
    width: int
    height: int
    created_names: list[str] = field(default_factory=list)

    def discard(self) -> None:
        """Delete what this upload wrote (the database write that should point at it failed)."""
        delete_stored_files(self.created_names)


def too_large_message(max_bytes: int) -> str:
    """What a seller is told about a photo over `max_bytes` (also before its body is read)."""
    megabytes = max_bytes / (1024 * 1024)
    return _("The photo is larger than %(size)s MB.") % {"size": f"{megabytes:g}"}


def _too_many_pixels_message(pixels: int) -> str:
    return _("The image is too large (%(megapixels)s megapixels); please upload a smaller photo.") % {
        "megapixels": f"{pixels / 1_000_000:.0f}"
    }


def _too_costly_message(exc: ImageTooLarge) -> str:
    # Under the pixel cap, but this format's decoder needs too much memory (a big WebP, or a
    # progressive/CMYK JPEG): a standard JPEG of the same photo is fine.
    return _(
        "This %(format)s photo (%(megapixels)s megapixels) is too large to process; please save it as "
        "a standard JPEG, or upload a smaller photo."
    ) % {"format": exc.format_name, "megapixels": f"{exc.pixels / 1_000_000:.0f}"}


def _read_capped(upload, max_bytes: int) -> bytes:
    """Read the whole upload, refusing it as soon as it is known to exceed `max_bytes`."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(too_large_message(max_bytes), code="too_large")
    if hasattr(upload, "seek"):
        with contextlib.suppress(OSError, ValueError):
            upload.seek(0)
    buffer = io.BytesIO()
    if hasattr(upload, "chunks"):
        chunks: Iterable[bytes] = upload.chunks(READ_CHUNK)
    else:
        chunks = iter(lambda: upload.read(READ_CHUNK), b"")
    for chunk in chunks:
        buffer.write(chunk)
        # The declared size can lie (or be missing): count what actually arrives.
        if buffer.tell() > max_bytes:
            raise ValidationError(too_large_message(max_bytes), code="too_large")
    data = buffer.getvalue()
    if not data:
        raise ValidationError(_("The photo file is empty."), code="empty")
    return data


def _open_checked(data: bytes, max_pixels: int) -> DecodedImage:
    """Decode the bytes straight to the large variant's size, refusing what is too big to decode.

    Format, pixel count and decode memory are checked from the header before anything is decoded;
    the full-size pixels are never copied (dukaan/images.py).
    """
    try:
        return decode_downscaled(
            data, formats=ACCEPTED_FORMATS, max_pixels=max_pixels, max_side=LARGE_MAX_SIDE
        )
    except ImageTooLarge as exc:
        if exc.too_many_pixels:
            raise ValidationError(_too_many_pixels_message(exc.pixels), code="too_many_pixels") from exc
        raise ValidationError(_too_costly_message(exc), code="too_costly") from exc
    except DecoderBusy as exc:
        raise ValidationError(BUSY, code="busy") from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(NOT_AN_IMAGE, code="format") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports a cut-off file as "image file is truncated" / "broken data stream".
        text = str(exc).lower()
        if "truncated" in text or "broken data stream" in text or isinstance(exc, EOFError):
            raise ValidationError(TRUNCATED, code="truncated") from exc
        raise ValidationError(UNREADABLE, code="unreadable") from exc
    except Exception as exc:  # Pillow plugins raise assorted errors on hostile input.
        logger.warning("image decode failed: %r", exc)
        raise ValidationError(UNREADABLE, code="unreadable") from exc


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    return out.getvalue()


def _store(name: str, content: bytes) -> tuple[str, bool]:
    """Save `content` under `name` unless that content-addressed object already exists."""
    if default_storage.exists(name):
        return name, False
    stored = default_storage.save(name, ContentFile(content))
    return stored, True


def process_product_image(upload, *, store_id: int) -> ProcessedImage:
    """Validate an uploaded photo and store its thumbnail and large JPEG variants.

    Raises django.core.exceptions.ValidationError with a message a seller can act on. Either
    every variant is stored or none is.
    """
    max_bytes = settings.DUKAAN_MAX_UPLOAD_BYTES
    data = _read_capped(upload, max_bytes)
    original_sha256 = hashlib.sha256(data).hexdigest()
    decoded = _open_checked(data, settings.DUKAAN_MAX_IMAGE_PIXELS)
    del data  # the upload's bytes are not needed any more
    try:
        large = decoded.image  # upright, RGB, no metadata, fits LARGE_MAX_SIDE
        # The thumbnail comes from the large variant: a copy of at most 1200 x 1200, not of the original.
        thumb = large.copy()
        thumb.thumbnail((THUMB_MAX_SIDE, THUMB_MAX_SIDE), Image.Resampling.LANCZOS)
        thumb_bytes = _encode(thumb)
        small = thumb.copy()
        small.thumbnail((SMALL_MAX_SIDE, SMALL_MAX_SIDE), Image.Resampling.LANCZOS)
        small_bytes = _encode(small)
        large_bytes = _encode(large)
    except Exception as exc:
        logger.warning("image conversion failed: %r", exc)
        raise ValidationError(UNREADABLE, code="unreadable") from exc
    width, height = decoded.width, decoded.height

    prefix = f"products/{int(store_id)}/"
    created: list[str] = []
    try:
        thumb_name, thumb_created = _store(
            f"{prefix}{hashlib.sha256(thumb_bytes).hexdigest()}-thumb.jpg", thumb_bytes
        )
        if thumb_created:
            created.append(thumb_name)
        large_name, large_created = _store(
            f"{prefix}{hashlib.sha256(large_bytes).hexdigest()}-large.jpg", large_bytes
        )
        if large_created:
            created.append(large_name)
        small_name, small_created = _store(
            f"{prefix}{hashlib.sha256(small_bytes).hexdigest()}-small.jpg", small_bytes
        )
        if small_created:
            created.append(small_name)
    except Exception:
        # Nothing half-stored: a thumbnail without its large variant is removed again.
        delete_stored_files(created)
        raise
    return ProcessedImage(
        thumb_name=thumb_name,
        large_name=large_name,
        small_name=small_name,
        sha256=original_sha256,
        width=width,
        height=height,
        created_names=created,
    )


def delete_stored_files(names: Iterable[str]) -> None:
    """Best-effort delete of stored objects; a failure is logged, never raised."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not delete stored file %s", name)
