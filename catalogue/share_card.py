"""A store's share card: the 1200x630 picture WhatsApp and Facebook show under a pasted store link.

The card (logo, name, a few product photos, the link) is named by a hash of what is drawn on it,
so the storefront can put its URL in `og:image` straight from the cached catalogue: no file
lookup on the hot path. The first request for a name draws it (Pillow) and stores it with the
media under `share-cards/`; later ones read the stored file. A new photo, name or logo gives a
new name, so a stored card never needs invalidating, and crawlers may keep it for a year.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont, ImageOps

from dukaan.http.public_urls import public_url
from products.models import Product
from stores.models import Store

logger = logging.getLogger(__name__)

CARD_SIZE = (1200, 630)
CARD_PHOTOS = 4
# Bump when the drawing changes: every store gets a new name, so crawlers fetch the new look.
CARD_DESIGN = 1
BACKGROUND = (247, 247, 249)
INK = (29, 29, 31)
MUTED = (107, 107, 112)
BRAND = (20, 110, 180)
# Fonts with Devanagari and Latin where the machine has them; Pillow's own font otherwise.
_FONT_FILES = (
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


def share_card_inputs(catalogue: dict[str, Any]) -> dict[str, Any]:
    """What the card shows, from the cached catalogue: the store and its first photographed products."""
    store = catalogue["store"]
    photos = [p["id"] for p in catalogue["products"] if p.get("thumb_url")][:CARD_PHOTOS]
    # Photo URLs carry the photos' content hashes, so a replaced photo changes the card's name.
    photo_urls = [p["thumb_url"] for p in catalogue["products"] if p["id"] in photos]
    return {
        "design": CARD_DESIGN,
        "store": store["id"],
        "name": store["name"],
        "url": store["url"],
        "logo": store.get("logo_url") or "",
        "products": photos,
        "photos": photo_urls,
    }


def share_card_key(catalogue: dict[str, Any]) -> str:
    """The card's content address: a SHA-256 of everything drawn on it."""
    inputs = json.dumps(share_card_inputs(catalogue), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(inputs.encode()).hexdigest()


def share_card_url(catalogue: dict[str, Any]) -> str:
    """The absolute URL crawlers fetch the card from (og:image)."""
    key = share_card_key(catalogue)
    return public_url(f"/{catalogue['store']['slug']}/share/{key}.jpg")


def share_card_name(store_id: int, key: str) -> str:
    # 64 hex digits: an immutable name to the media storage (cached for a year on S3 and nginx).
    return f"share-cards/{store_id}/{key}.jpg"


def share_card_bytes(catalogue: dict[str, Any]) -> bytes:
    """The card as a JPEG: the stored copy, or drawn now and stored for the next crawler."""
    key = share_card_key(catalogue)
    name = share_card_name(catalogue["store"]["id"], key)
    try:
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as stored:
                return stored.read()
    except OSError:
        logger.warning("share card %s could not be read; drawing it again", name, exc_info=True)
    data = draw_share_card(catalogue)
    try:
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:  # a concurrent request stored the same card first
            default_storage.delete(saved)
    except OSError:
        # The preview still works, drawn per request, until the storage is back.
        logger.warning("share card %s could not be stored", name, exc_info=True)
    return data


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_FILES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _open_stored(name: str) -> Image.Image | None:
    """A stored photo or logo (our own re-encoded files), or None when it cannot be read."""
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as stored:
            image = Image.open(io.BytesIO(stored.read()))
            image.load()
        return ImageOps.exif_transpose(image).convert("RGB")
    except Exception:
        logger.warning("share card: could not read %s", name, exc_info=True)
        return None


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int, lines: int) -> list[str]:
    """`text` broken into at most `lines` lines that fit `width` pixels (the last one cut with …)."""
    words, out, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not line:
            line = candidate
        else:
            out.append(line)
            line = word
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1].rstrip() + "…"
    for i, text_line in enumerate(out):
        while draw.textlength(text_line, font=font) > width and len(text_line) > 1:
            text_line = text_line[:-2] + "…"
        out[i] = text_line
    return out


def _rounded(image: Image.Image, size: tuple[int, int], radius: int) -> tuple[Image.Image, Image.Image]:
    fitted = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius, fill=255)
    return fitted, mask


def draw_share_card(catalogue: dict[str, Any]) -> bytes:
    """Draw the card: logo (or initial), name and link on the left, product photos on the right."""
    inputs = share_card_inputs(catalogue)
    store = Store.objects.filter(pk=inputs["store"]).only("logo").first()
    names = dict(Product.objects.filter(pk__in=inputs["products"]).values_list("pk", "image_thumb"))
    photos = [img for pid in inputs["products"] if (img := _open_stored(names.get(pid, "")))]

    card = Image.new("RGB", CARD_SIZE, BACKGROUND)
    draw = ImageDraw.Draw(card)
    left, top, text_width = 64, 64, 520 if photos else 1072

    logo = _open_stored(store.logo.name) if store and store.logo else None
    if logo is not None:
        fitted, mask = _rounded(logo, (150, 150), 28)
        card.paste(fitted, (left, top), mask)
    else:
        draw.rounded_rectangle((left, top, left + 150, top + 150), 28, fill=BRAND)
        draw.text(
            (left + 75, top + 75),
            (inputs["name"][:1] or "D").upper(),
            fill="white",
            font=_font(90),
            anchor="mm",
        )

    name_font = _font(60)
    y = top + 190
    for line in _wrap(draw, inputs["name"], name_font, text_width, 3):
        draw.text((left, y), line, fill=INK, font=name_font)
        y += 72
    draw.text((left, y + 16), "Order online · Pay by UPI", fill=MUTED, font=_font(32))
    link = inputs["url"].split("://", 1)[-1].rstrip("/")
    link_font = _font(30)
    draw.text(
        (left, CARD_SIZE[1] - 64 - 34),
        _wrap(draw, link, link_font, text_width, 1)[0],
        fill=BRAND,
        font=link_font,
    )

    # Photos: one big square, or a 2x2 grid, on the right.
    grid_left, grid_top, side = 640, 65, 500
    if len(photos) == 1:
        fitted, mask = _rounded(photos[0], (side, side), 24)
        card.paste(fitted, (grid_left, grid_top), mask)
    else:
        cell = (side - 12) // 2
        for i, photo in enumerate(photos[:4]):
            fitted, mask = _rounded(photo, (cell, cell), 20)
            card.paste(fitted, (grid_left + (i % 2) * (cell + 12), grid_top + (i // 2) * (cell + 12)), mask)

    buffer = io.BytesIO()
    # JPEG: photos compress far better than in PNG, and crawlers skip pictures of several 100 kB.
    card.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()
