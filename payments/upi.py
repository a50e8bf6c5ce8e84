"""UPI collect-by-link: the `upi://pay` deep link and its QR code for one order."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import segno

from orders.models import Order


def upi_uri(order: Order) -> str:
    """A deep link any UPI app opens with the payee, exact amount and the order reference filled in."""
    store = order.store
    params = {
        "pa": store.upi_id,
        "pn": store.name[:50],
        "am": f"{order.total:.2f}",
        "cu": order.currency,
        "tn": f"Order #{order.number} {store.name}"[:80],
        "tr": order.reference,
    }
    return "upi://pay?" + urlencode(params, quote_via=quote, safe="@")


def qr_svg(data: str) -> str:
    """An inline <svg> QR code (no image file, no request to a third party)."""
    return segno.make(data, error="m").svg_inline(scale=5, border=2, omitsize=False)
