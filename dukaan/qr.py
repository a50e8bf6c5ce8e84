"""QR codes drawn here (no outside service sees the data): one way, so every code scans the same.

Always a full QR code (`make_qr`): segno's `make()` picks a Micro QR for short data, which phone
cameras and UPI apps do not read. A 4-module quiet zone, as the QR standard asks, and a viewBox,
so CSS may shrink the picture without cutting its edges off.
"""

from __future__ import annotations

import io

import segno
from django.utils.safestring import SafeString, mark_safe

BORDER_MODULES = 4


def qr_svg_inline(data: str, *, title: str = "", scale: int = 4) -> SafeString:
    """An inline <svg> (for an HTML page) that scales to its box."""
    svg = segno.make_qr(data, error="m").svg_inline(
        scale=scale, border=BORDER_MODULES, omitsize=True, title=title or None
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the data is encoded, not embedded as text


def qr_svg_file(data: str, *, scale: int = 10) -> bytes:
    """A standalone SVG file (XML declaration and namespace included) that image viewers open."""
    buffer = io.BytesIO()
    segno.make_qr(data, error="m").save(buffer, kind="svg", scale=scale, border=BORDER_MODULES)
    return buffer.getvalue()


def qr_png_file(data: str, *, scale: int = 16) -> bytes:
    """A PNG (black on white, no transparency) that opens anywhere and goes out as a WhatsApp photo."""
    buffer = io.BytesIO()
    segno.make_qr(data, error="m").save(
        buffer, kind="png", scale=scale, border=BORDER_MODULES, dark="#000", light="#fff"
    )
    return buffer.getvalue()
