"""One-time codes: how they are made, hashed and compared.

Only a keyed hash of a code is ever stored, so a database dump does not hand out logins.
The rules around codes (limits, attempts, expiry) live in stores.services.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from django.conf import settings

CODE_LENGTH = 6
_CODE_INPUT = re.compile(r"^[0-9]{6}$")


def generate_code() -> str:
    """Six random digits from the OS's CSPRNG (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def hash_code(phone_e164: str, code: str) -> str:
    """HMAC-SHA256 of the code, keyed with SECRET_KEY and bound to the phone it was sent to."""
    key = settings.SECRET_KEY.encode()
    message = f"dukaan-otp:{phone_e164}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_matches(stored_hash: str, phone_e164: str, code: str) -> bool:
    """Constant-time comparison, so response timing does not leak how many characters matched."""
    return hmac.compare_digest(stored_hash.encode(), hash_code(phone_e164, code).encode())


def clean_code_input(raw: object) -> str | None:
    """The six digits a seller typed (spaces and dashes allowed between them), or None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or len(raw) > 20:
        return None
    typed = raw.strip().replace(" ", "").replace("-", "")
    # A Hindi keyboard types Devanagari digits (१२३४५६): the same code, as phone numbers already
    # accept. Any Unicode decimal digit becomes its ASCII digit before the code is compared.
    digits = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in typed)
    return digits if _CODE_INPUT.match(digits) else None
