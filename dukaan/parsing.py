"""Reading numbers that people (or bots) typed."""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_whole_number(raw: object) -> int | None:
    """A non-negative whole number written in ASCII digits, or None.

    str.isdigit() is not enough: it accepts "²" and other Unicode digits that int() refuses,
    which would turn a shopper's odd input into a server error.
    """
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    return int(text) if _ASCII_DIGITS.fullmatch(text) else None
