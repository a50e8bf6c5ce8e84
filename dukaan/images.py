"""Decoding untrusted images within a memory budget: the one path every uploaded image takes.

A few kilobytes of PNG can promise 40 megapixels. Reading the file costs nothing; decoding it is
what costs memory (Pillow keeps 4 bytes a pixel for colour), and every full-size copy made on the way
(convert, paste, copy, exif_transpose) costs as much again. So `decode_downscaled`:

* checks the header's pixel count against the caller's cap, and the memory the decode itself will
  take against a budget derived from it, before a single pixel is decoded. The decoders differ: a
  progressive (or multi-scan) JPEG makes libjpeg keep every DCT coefficient, 2 bytes a sample, and
  Pillow's WebP decoder holds a canvas, a copy of the frame and the image (~16 bytes a pixel);
* decodes a JPEG at 1/2, 1/4 or 1/8 scale inside libjpeg (Image.draft) when that still leaves about
  twice the size the caller keeps;
* lets at most DUKAAN_MAX_CONCURRENT_IMAGE_DECODES decodes run at once in a process (gthread workers
  serve several requests each); a caller that cannot start one within DUKAAN_IMAGE_DECODE_WAIT_SECONDS
  gets `DecoderBusy` instead of queueing its memory behind the others;
* never copies the decoded image at full size: it is box-reduced to about twice the target (in strips
  when its mode needs converting, so the conversion only ever holds a strip), resized to the target,
  and only that small image is turned upright and copied into a fresh image without metadata.

It knows no domain: callers turn its exceptions into their own messages.
"""

from __future__ import annotations

import io
import math
import re
import threading
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from PIL import Image

# The decode may take this many bytes per pixel the cap allows: a full-colour PNG at the cap (4),
# a progressive 4:2:0 JPEG at the cap (3 for the coefficients, 1 for its half-scale output) and a
# 12 MP 4:4:4 multi-scan phone photo fit; a progressive CMYK or 4:4:4 JPEG near the cap, or a WebP
# above ~a third of it, does not.
DECODE_BYTES_PER_ALLOWED_PIXEL = 6
# Reduce to at least this many times the kept size before the final LANCZOS resize (as Pillow's
# thumbnail() does with reducing_gap=2): enough source pixels for a sharp, alias-free result.
REDUCE_GAP = 2
# What a strip of a converted image may hold (the full-size converted copy is what strips avoid).
STRIP_BYTES = 4 * 1024 * 1024
# Pillow's WebP decoder: libwebp's canvas + the decoded frame as bytes + the image (measured 15.5).
WEBP_DECODE_BYTES_PER_PIXEL = 16
WHITE = (255, 255, 255)

# EXIF orientation -> the transpose that makes the image upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_SIDES = {5, 6, 7, 8}


class ImageTooLarge(Exception):
    """The header promises more pixels, or a costlier decode, than allowed. Nothing was decoded."""

    def __init__(self, *, image_format: str, pixels: int, max_pixels: int, decode_bytes: int = 0) -> None:
        super().__init__(f"{image_format} of {pixels} pixels ({decode_bytes} bytes to decode)")
        self.image_format = image_format
        self.pixels = pixels
        self.max_pixels = max_pixels
        self.decode_bytes = decode_bytes

    @property
    def format_name(self) -> str:
        """The format as people write it ("WebP", not Pillow's "WEBP")."""
        return {"WEBP": "WebP"}.get(self.image_format, self.image_format)

    @property
    def too_many_pixels(self) -> bool:
        """True when the pixel count itself is over the cap (else only this format's decode is)."""
        return self.pixels > self.max_pixels


class DecoderBusy(Exception):
    """Every decode slot of this process stayed taken for the whole wait: ask the caller to retry."""


@dataclass
class DecodedImage:
    """`image` fits the requested box; `width` x `height` is the upright size of the original."""

    image: Image.Image
    width: int
    height: int


def decode_budget(max_pixels: int) -> int:
    """The most memory (bytes) a decode may take when `max_pixels` is the pixel cap."""
    return max_pixels * DECODE_BYTES_PER_ALLOWED_PIXEL


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


def _decode_slots() -> threading.BoundedSemaphore:
    global _slots
    limit = max(1, int(settings.DUKAAN_MAX_CONCURRENT_IMAGE_DECODES))
    with _slots_lock:
        # Rebuilt when the setting changes (tests override it); a holder releases the one it took.
        if _slots is None or _slots[0] != limit:
            _slots = (limit, threading.BoundedSemaphore(limit))
        return _slots[1]


@contextmanager
def decode_slot(timeout: float | None = None) -> Iterator[None]:
    """Hold one of the process's decode slots, or raise DecoderBusy after `timeout` seconds."""
    slots = _decode_slots()
    wait = settings.DUKAAN_IMAGE_DECODE_WAIT_SECONDS if timeout is None else timeout
    if not slots.acquire(timeout=max(0.0, float(wait))):
        raise DecoderBusy("no image decode slot became free")
    try:
        yield
    finally:
        slots.release()


def _bytes_per_pixel(mode: str) -> int:
    # Pillow's storage: a byte for 1/L/P, two for I;16, four for anything wider (RGB is kept as RGBX).
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def estimate_decode_bytes(image: Image.Image, header_size: tuple[int, int]) -> int:
    """Memory the decode of `image` (opened, drafted, not loaded) will take, from its header only."""
    width, height = header_size
    output = image.size[0] * image.size[1] * _bytes_per_pixel(image.mode)
    if image.format == "JPEG":
        # A progressive or multi-scan JPEG makes libjpeg buffer every coefficient at full scale,
        # whatever the draft. A baseline file needs only its output, but whether it has several
        # scans shows only after the header: assume it does.
        layers = [(max(1, h), max(1, v)) for _, h, v, _ in getattr(image, "layer", [])] or [(1, 1)]
        h_max = max(h for h, _ in layers)
        v_max = max(v for _, v in layers)
        coefficients = sum(
            math.ceil(math.ceil(width * h / h_max) / 8) * math.ceil(math.ceil(height * v / v_max) / 8) * 128
            for h, v in layers
        )
        return coefficients + output
    if image.format == "WEBP":
        return width * height * WEBP_DECODE_BYTES_PER_PIXEL
    return output


def _draft(image: Image.Image, target: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale while the result stays at least `target` long."""
    if image.format != "JPEG":
        return
    width, height = image.size
    longest = max(width, height)
    if longest < 2 * target:
        return
    scale = target / longest
    # Proportional: draft() only scales down while both sides stay at or above what is asked.
    image.draft(None, (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:  # A broken EXIF block must not cost the seller the photo.
        return 1


def _as_mode(piece: Image.Image, mode: str) -> Image.Image:
    """`piece` in RGB (transparency flattened on white) or RGBA."""
    if mode == "RGBA" or not piece.has_transparency_data:
        return piece.convert(mode)
    rgba = piece.convert("RGBA")
    flat = Image.new("RGB", rgba.size, WHITE)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _reduced(image: Image.Image, target: int, mode: str) -> Image.Image:
    """`image` (loaded) box-reduced towards `target` and in `mode`, without a full-size copy."""
    width, height = image.size
    longest = max(width, height)
    if image.mode in ("RGB", "L") and not image.has_transparency_data:
        # No conversion needed before resizing: keep at least `target`; factor 1 is no copy at all.
        factor = longest // target
        return image if factor < 2 else image.reduce(factor)
    # Converting means a copy: make it strip by strip, each reduced before the next, and reduce
    # to at most `target` so the converted result stays small too.
    factor = max(1, math.ceil(longest / target))
    out = Image.new(mode, (math.ceil(width / factor), math.ceil(height / factor)), WHITE)
    rows = factor * max(1, STRIP_BYTES // (4 * width * factor))
    for top in range(0, height, rows):
        piece = _as_mode(image.crop((0, top, width, min(height, top + rows))), mode)
        if factor > 1:
            piece = piece.reduce(factor)
        out.paste(piece, (0, top // factor))
    return out


def _too_large(image: Image.Image, max_pixels: int, decode_bytes: int = 0) -> ImageTooLarge:
    width, height = image.size
    return ImageTooLarge(
        image_format=image.format or "image",
        pixels=width * height,
        max_pixels=max_pixels,
        decode_bytes=decode_bytes,
    )


def decode_downscaled(
    data: bytes,
    *,
    formats: Collection[str],
    max_pixels: int,
    max_side: int,
    keep_alpha: bool = False,
) -> DecodedImage:
    """Decode `data` into an upright image fitting `max_side` x `max_side` (never enlarged).

    The result is RGB (transparency flattened on white), or RGBA when `keep_alpha` and the image
    has transparency, and carries no metadata (EXIF, GPS, ICC, comments). Raises ImageTooLarge
    before decoding anything too big, DecoderBusy when no decode slot frees up in time, and
    Pillow's own errors (UnidentifiedImageError, OSError, SyntaxError, ...) for unreadable bytes.
    """
    allowed = sorted(formats)
    target = REDUCE_GAP * max_side
    try:
        with warnings.catch_warnings():
            # Pillow warns (then errors) above its own global cap; ours is checked explicitly.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Only the decoders the caller accepts ever see the bytes (smaller attack surface).
            with Image.open(io.BytesIO(data), formats=allowed) as probe:
                # width * height comes from the header; nothing has been decoded yet.
                if probe.size[0] * probe.size[1] > max_pixels:
                    raise _too_large(probe, max_pixels)
                probe.verify()
            # verify() leaves the object unusable: reopen for the real decode.
            image = Image.open(io.BytesIO(data), formats=allowed)
    except Image.DecompressionBombError as exc:
        match = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(match.group(1)) if match else max_pixels + 1
        raise ImageTooLarge(image_format="image", pixels=pixels, max_pixels=max_pixels) from exc
    with image:
        header_size = image.size
        _draft(image, target)
        cost = estimate_decode_bytes(image, header_size)
        if cost > decode_budget(max_pixels):
            raise ImageTooLarge(
                image_format=image.format or "image",
                pixels=header_size[0] * header_size[1],
                max_pixels=max_pixels,
                decode_bytes=cost,
            )
        mode = "RGBA" if keep_alpha and image.has_transparency_data else "RGB"
        with decode_slot():
            image.load()
            orientation = _orientation(image)  # a PNG's eXIf chunk may follow its pixels
            small = _reduced(image, target, mode)
            if small is not image:
                image.close()  # frees the full-size pixels now, not when the caller is done
            # reducing_gap=None: already reduced; thumbnail() replaces the pixels of `small`.
            small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=None)
        method = _UPRIGHT.get(orientation)
        if method is not None:
            small = small.transpose(method)  # the small image only: cheap
        # A fresh image carries no info dict: EXIF, GPS, XMP, ICC and comments are gone.
        clean = Image.new(mode, small.size, WHITE)
        clean.paste(small if small.mode == mode else _as_mode(small, mode))
    width, height = header_size
    if orientation in _SWAPS_SIDES:
        width, height = height, width
    return DecodedImage(image=clean, width=width, height=height)
