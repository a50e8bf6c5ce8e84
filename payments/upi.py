"""UPI collect-by-link: the `upi://pay` deep link and its QR code for one order."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from dukaan.qr import qr_svg_inline
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


def upi_qr_svg(order: Order) -> str:
    """The deep link as an inline QR code for the order page: any UPI app's scanner reads it."""
    return qr_svg_inline(upi_uri(order), title=f"UPI QR code to pay order #{order.number}", scale=5)
