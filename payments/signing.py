"""HMAC-SHA256 webhook signatures: `X-Dukaan-Signature: sha256=<hex of HMAC(secret, raw body)>`."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Dukaan-Signature"


def signature_matches(body: bytes, header_value: str, secret: str) -> bool:
    """Constant-time check of a signature header against the raw body; no secret, no match."""
    if not secret or not header_value:
        return False
    provided = header_value.strip()
    if provided.startswith("sha256="):
        provided = provided[len("sha256=") :]
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), provided.encode("ascii", "replace"))
