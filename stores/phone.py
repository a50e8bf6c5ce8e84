"""Phone numbers: parsed and validated by Google's libphonenumber, stored as E.164."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PHONE_INPUT_LENGTH = 32


def normalize_phone(raw: object) -> str:
    """Return the E.164 form of a phone number a seller typed, or raise ValidationError.

    A bare 10-digit Indian number is accepted (the default region is India).
    """
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(_("Enter your mobile number."), code="required")
    text = raw.strip()
    if len(text) > MAX_PHONE_INPUT_LENGTH or any(ch.isalpha() for ch in text):
        raise ValidationError(_("Enter a valid mobile number, e.g. 98765 43210."), code="invalid")
    try:
        parsed = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid mobile number, e.g. 98765 43210."), code="invalid") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("This is not a valid mobile number for its country."), code="invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
