"""Public URLs of stored media (product photos, logos), whatever the storage behind them."""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def media_url(name: str | None) -> str:
    """The public URL of a stored file (the CDN's when configured), or "" when there is none.

    Building a URL never fails a page: a misconfigured storage is logged and shows no picture.
    """
    if not name:
        return ""
    try:
        return default_storage.url(name)
    except Exception:
        logger.exception("could not build the URL of %s", name)
        return ""
