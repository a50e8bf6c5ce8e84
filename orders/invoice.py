"""The GST-style tax invoice of an order, as a PDF (SPEC section 7, "Invoices").

fpdf2 is pure Python (no system libraries to go missing on the server, book ch. 10); it needs one
Unicode TrueType font for the rupee sign and non-English names: DejaVu Sans, Debian's
fonts-dejavu-core, which the Dockerfile installs (DUKAAN_INVOICE_FONT_DIR points elsewhere).
DejaVu has no Devanagari, and a Hindi store's customers write their names in it: Lohit
Devanagari (fonts-lohit-deva, DUKAAN_INVOICE_DEVANAGARI_FONT) is the fallback for those letters,
shaped with HarfBuzz (uharfbuzz) so conjuncts and vowel signs join as they should.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from fpdf import FPDF

from orders.models import InvoiceSequence, Order
from orders.pricing import stored_breakdown

FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
logger = logging.getLogger(__name__)


class InvoiceFontMissing(RuntimeError):
    """The invoice font is not installed (fonts-dejavu-core); the invoice cannot be drawn."""


def invoice_issue(*, order: Order) -> Order:
    """Give `order` its invoice number from the store's consecutive series, once (an order asked for
    again keeps its number). The sequence row is locked, so two requests never take one number."""
    if order.invoice_number is not None:
        return order
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.invoice_number is None:
            sequence, _ = InvoiceSequence.objects.select_for_update().get_or_create(store_id=locked.store_id)
            sequence.last_number += 1
            sequence.save(update_fields=["last_number"])
            locked.invoice_number = sequence.last_number
            locked.invoiced_at = timezone.now()
            locked.save(update_fields=["invoice_number", "invoiced_at", "updated_at"])
    order.invoice_number, order.invoiced_at = locked.invoice_number, locked.invoiced_at
    return order


def invoice_label(order: Order) -> str:
    """The invoice number as printed: INV-<store id>-<number>, unique across Dukaan."""
    return f"INV-{order.store_id}-{order.invoice_number:05d}"


def _rupees(amount: Decimal | str) -> str:
    return f"₹{Decimal(amount):,.2f}"


def _add_devanagari(pdf: FPDF) -> None:
    """Letters DejaVu lacks (Devanagari) come from Lohit Devanagari, shaped, when it is installed."""
    font = Path(settings.DUKAAN_INVOICE_DEVANAGARI_FONT)
    if not font.is_file():
        logger.warning(
            "invoice: no Devanagari font at %s (install fonts-lohit-deva); Hindi names print blank", font
        )
        return
    for style in FONT_FILES:
        pdf.add_font("Devanagari", style=style, fname=str(font))
    pdf.set_fallback_fonts(["Devanagari"], exact_match=False)
    pdf.set_text_shaping(True)


def invoice_pdf(order: Order) -> bytes:
    """The order's tax invoice (issue its number first with `invoice_issue`)."""
    font_dir = Path(settings.DUKAAN_INVOICE_FONT_DIR)
    if not all((font_dir / name).is_file() for name in FONT_FILES.values()):
        raise InvoiceFontMissing(f"install fonts-dejavu-core (no DejaVu fonts in {font_dir})")
    store = order.store
    money = stored_breakdown(order)
    pdf = FPDF(format="A4")
    pdf.set_title(f"Tax invoice {invoice_label(order)}")
    pdf.set_creator("Dukaan")
    for style, name in FONT_FILES.items():
        pdf.add_font("DejaVu", style=style, fname=str(font_dir / name))
    _add_devanagari(pdf)
    pdf.add_page()
    pdf.set_auto_page_break(auto=True, margin=15)
    width = pdf.epw

    def line(text: str, size: int = 10, style: str = "", align: str = "L") -> None:
        pdf.set_font("DejaVu", style=style, size=size)
        pdf.multi_cell(width, 6, text, align=align, new_x="LMARGIN", new_y="NEXT")

    line("TAX INVOICE" if store.gstin else "INVOICE", size=16, style="B", align="C")
    pdf.ln(2)
    line(store.name, size=13, style="B")
    if store.gstin:
        line(f"GSTIN: {store.gstin}")
    line(store.public_url)
    pdf.ln(3)
    issued = timezone.localtime(order.invoiced_at or timezone.now())
    line(f"Invoice number: {invoice_label(order)}")
    line(f"Invoice date: {issued:%d %b %Y}")
    line(f"Order: #{order.number}, placed {timezone.localtime(order.created_at):%d %b %Y}")
    line(f"Payment: {order.get_payment_method_display()}{' (paid)' if order.is_paid else ''}")
    pdf.ln(3)
    line("Bill to", style="B")
    line(order.customer_name)
    line(f"{order.address}, PIN {order.pincode}")
    line(order.customer_phone)
    pdf.ln(4)

    columns = [("Item", 0.46), ("Qty", 0.1), ("Unit price", 0.2), ("Amount", 0.24)]
    pdf.set_font("DejaVu", style="B", size=10)
    for title, share in columns:
        pdf.cell(width * share, 7, title, border="B", align="L" if title == "Item" else "R")
    pdf.ln()
    pdf.set_font("DejaVu", size=10)
    for item in order.items.all():
        pdf.cell(width * 0.46, 7, item.display_name[:70])
        pdf.cell(width * 0.1, 7, str(item.quantity), align="R")
        pdf.cell(width * 0.2, 7, _rupees(item.unit_price), align="R")
        pdf.cell(width * 0.24, 7, _rupees(item.line_total), align="R")
        pdf.ln()
    pdf.ln(2)

    def total_row(label: str, amount: str, style: str = "") -> None:
        pdf.set_font("DejaVu", style=style, size=10)
        pdf.cell(width * 0.76, 7, label, align="R")
        pdf.cell(width * 0.24, 7, amount, align="R")
        pdf.ln()

    total_row("Subtotal", _rupees(money.subtotal))
    if money.discount:
        coupon = f" (coupon {order.coupon_code})" if order.coupon_code else ""
        total_row(f"Discount{coupon}", f"-{_rupees(money.discount)}")
    total_row("Delivery", _rupees(money.delivery_fee))
    for charge in money.charges:
        total_row(charge.name, _rupees(charge.amount))
    if money.tax or store.gstin:
        percent = f" @ {store.gst_percent.normalize():f}%" if store.gst_percent else ""
        total_row(f"GST{percent} on {_rupees(money.goods)}", _rupees(money.tax))
    total_row("Total", _rupees(money.total), style="B")
    pdf.ln(6)
    line("Amounts in Indian rupees. This invoice was generated by Dukaan for the seller.", size=8)
    return bytes(pdf.output())


def invoice_response(order: Order) -> HttpResponse:
    """The invoice PDF as an HTTP answer (its number issued first); 503 if the font is missing."""
    order = invoice_issue(order=order)
    try:
        body = invoice_pdf(order)
    except InvoiceFontMissing:
        logger.exception("invoice of order %s not drawn", order.pk)
        return HttpResponse("Invoices are not available right now.", status=503, content_type="text/plain")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice_label(order)}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
