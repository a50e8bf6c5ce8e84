"""Click-to-chat with a store: the wa.me link that opens WhatsApp on the seller's number."""

from __future__ import annotations

from urllib.parse import quote


def whatsapp_chat_url(number: str | None, text: str = "") -> str:
    """https://wa.me/<digits>?text=… for a store's WhatsApp number (E.164), or "" when it has none."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    if len(digits) < 8:
        return ""
    return f"https://wa.me/{digits}" + (f"?text={quote(text, safe='')}" if text else "")
