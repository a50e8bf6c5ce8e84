"""Finished storefront answers, kept per catalogue version: a hit costs the same for any store size.

A store page, a product page or the catalogue JSON is rendered once per catalogue version and
variant (the page's normalised query), then served as stored bytes until the catalogue changes:
its version is part of the key, so a new build makes every old answer unreachable (they expire).
Only answers that carry nothing of one visitor's are kept (see dukaan/http/edge_cache.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

PAGE_KEY = "store_page:{digest}"


@dataclass(frozen=True)
class StoredAnswer:
    content: bytes
    content_type: str


def _key(version: str, variant: str) -> str:
    digest = hashlib.sha256(f"{version}|{variant}".encode()).hexdigest()[:40]
    return PAGE_KEY.format(digest=digest)


def cached_answer(version: str, variant: str) -> StoredAnswer | None:
    found = caches["default"].get(_key(version, variant))
    if not isinstance(found, tuple) or len(found) != 2:
        return None
    return StoredAnswer(content=found[0], content_type=found[1])


def store_answer(version: str, variant: str, content: bytes, content_type: str) -> None:
    caches["default"].set(_key(version, variant), (content, content_type), settings.DUKAAN_PAGE_CACHE_SECONDS)
