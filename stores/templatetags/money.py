"""`{{ amount|money:currency }}`: prices as shoppers read them, e.g. ₹1,299, ₹1,29,999 or ₹95.50.

Whole rupees are written whole, as Indian shops price them; paise show only when there are some.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()

CURRENCY_SYMBOLS = {"INR": "₹"}


def _indian_grouping(whole: str) -> str:
    """1234567 -> 12,34,567: the last three digits, then pairs (lakh and crore)."""
    if len(whole) <= 3:
        return whole
    head, tail = whole[:-3], whole[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join([*pairs, tail])


@register.filter
def money(value: Any, currency: str = "INR") -> str:
    """Format an amount (Decimal, str or number): two decimals unless whole; '' for nothing or junk."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    whole, _, paise = f"{abs(amount):.2f}".partition(".")
    currency = (currency or "INR").upper()
    fraction = "" if paise == "00" else f".{paise}"
    if currency == "INR":
        return f"{sign}{CURRENCY_SYMBOLS['INR']}{_indian_grouping(whole)}{fraction}"
    return f"{sign}{currency} {int(whole):,}{fraction}"
