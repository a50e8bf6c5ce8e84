"""GSTIN, India's 15-character GST registration number: its shape and its check character."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# State code, PAN (5 letters, 4 digits, a letter), entity number, "Z", check character.
_SHAPE = re.compile(r"^[0-3][0-9][A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check_character(first_14: str) -> str:
    """The 15th character of a GSTIN: a mod-36 checksum of the first 14 (factors 1, 2, 1, 2...)."""
    total = 0
    for index, char in enumerate(first_14):
        product = _ALPHABET.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _ALPHABET[(36 - total % 36) % 36]


def normalize_gstin(raw: object) -> str:
    """The GSTIN in capitals without spaces, "" for none, or ValidationError saying what is wrong."""
    if not isinstance(raw, str):
        raise ValidationError(_("Enter the 15-character GSTIN, e.g. 27AAPFU0939F1ZV."), code="invalid")
    gstin = raw.replace(" ", "").strip().upper()
    if not gstin:
        return ""
    if not _SHAPE.match(gstin):
        raise ValidationError(
            _(
                "A GSTIN has 15 characters: 2 digits of the state, the 10-character PAN, then 3 more "
                "(e.g. 27AAPFU0939F1ZV)."
            ),
            code="invalid",
        )
    if gstin_check_character(gstin[:14]) != gstin[14]:
        raise ValidationError(
            _("This GSTIN's last character does not match: check it for a typo."), code="checksum"
        )
    return gstin
