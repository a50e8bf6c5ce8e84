"""Amounts of money typed by a person or sent by a client: one parser, one set of messages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PAISE = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999.99")


def parse_amount(
    value: Any, *, label: str, minimum: Decimal = Decimal("0"), maximum: Decimal = MAX_AMOUNT
) -> Decimal:
    """`value` as rupees with at most two decimals, from `minimum` to `maximum`, or ValidationError
    with a message that names `label` ("Delivery fee must be a number, e.g. 30 or 29.50.")."""
    not_a_number = _("%(label)s must be a number, e.g. 30 or 29.50.") % {"label": label}
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise ValidationError(not_a_number, code="invalid")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(not_a_number, code="invalid") from None
    if not amount.is_finite():
        raise ValidationError(not_a_number, code="invalid")
    if amount < minimum:
        if minimum == 0:
            message = _("%(label)s cannot be negative.") % {"label": label}
        else:
            message = _("%(label)s must be at least %(minimum)s.") % {"label": label, "minimum": minimum}
        raise ValidationError(message, code="min_value")
    if amount > maximum:
        message = _("%(label)s can be at most %(maximum)s.") % {"label": label, "maximum": f"{maximum:,}"}
        raise ValidationError(message, code="max_value")
    if amount != amount.quantize(PAISE):
        message = _("%(label)s can have at most 2 decimal places (paise).") % {"label": label}
        raise ValidationError(message, code="max_decimal_places")
    return amount.quantize(PAISE)
