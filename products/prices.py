"""Prices and MRPs: the one set of rules and the words a seller reads when a price is refused.

The service, the API serializer and the dashboard form all refuse the same prices with the same
messages, taken from here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dukaan.i18n import interpolate_lazy
from products.models import MAX_PRICE, MIN_PRICE

PAISE = Decimal("0.01")


def price_messages(label: str) -> dict[str, str]:
    """Error messages by Django/DRF error code for a money field called `label` ("Price", "MRP").

    Lazy, like `label` may be: a form or serializer builds them once, at import, and each is said
    in the language of the page that shows it.
    """
    values = {"label": label, "max": f"{MAX_PRICE:,}"}
    not_a_number = interpolate_lazy(_("%(label)s must be a number, e.g. 199 or 199.50."), values)
    too_large = interpolate_lazy(_("%(label)s can be at most %(max)s."), values)
    required = interpolate_lazy(_("%(label)s is required."), values)
    return {
        "invalid": not_a_number,
        "max_string_length": not_a_number,
        "min_value": interpolate_lazy(_("%(label)s must be more than zero."), values),
        "max_value": too_large,
        "max_digits": too_large,
        "max_whole_digits": too_large,
        "max_decimal_places": interpolate_lazy(
            _("%(label)s can have at most 2 decimal places (paise)."), values
        ),
        "null": required,
        "required": required,
    }


def clean_price(value: Any, *, label: str) -> Decimal:
    """`value` as an amount in rupees with paise, or ValidationError with the message for `label`."""
    messages = price_messages(label)
    if isinstance(value, bool) or value is None:
        raise ValidationError(messages["invalid"])
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(messages["invalid"]) from None
    if not amount.is_finite():
        raise ValidationError(messages["invalid"])
    if amount < MIN_PRICE:
        raise ValidationError(messages["min_value"])
    if amount > MAX_PRICE:
        raise ValidationError(messages["max_value"])
    if amount != amount.quantize(PAISE):
        raise ValidationError(messages["max_decimal_places"])
    return amount.quantize(PAISE)


def mrp_refusal(*, price: Decimal | None, mrp: Decimal | None, mrp_changed: bool) -> tuple[str, str] | None:
    """(field, message) when the MRP would be below the price, else None; the field blamed is the
    one being changed (the MRP when both are)."""
    if mrp is None or price is None or mrp >= price:
        return None
    if mrp_changed:
        return "mrp", str(_("MRP cannot be below the price."))
    return "price", str(_("Price cannot be above the MRP."))
