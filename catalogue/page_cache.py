"""Finished storefront answers, kept per store and variant: a hit costs the same for any store size.

A store page, a product page or the catalogue JSON is rendered once per catalogue version and
variant (the page's normalised query), then served as stored bytes until the catalogue changes.
Each stored answer names the version it was drawn from; it is served only while that is the
catalogue's current version, and the next render overwrites it. One cache round trip fetches the
catalogue's head, its stock counter (with read replicas, the store's fence: a head stamped before
it is not current) and the stored answer together.
Only answers that carry nothing of one visitor's are kept (see dukaan/http/edge_cache.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from catalogue import cache as catalogue_cache

PAGE_KEY = "store_page:{store_id}:{digest}"


@dataclass(frozen=True)
class StoredAnswer:
    version: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Lookup:
    version: str | None  # the catalogue's current version (None: no usable cached copy)
    answer: StoredAnswer | None  # the stored answer for that version, if there is one


def _key(store_id: int | str, variant: str) -> str:
    digest = hashlib.sha256(variant.encode()).hexdigest()[:32]
    return PAGE_KEY.format(store_id=store_id, digest=digest)


def lookup(slug: str, variant: str) -> Lookup:
    for remembered_ok in (True, False):
        store_id = catalogue_cache.store_id_for(slug, remembered_ok=remembered_ok)
        if store_id is None:
            return Lookup(None, None)
        page = _key(store_id, variant)
        found = caches["default"].get_many([*catalogue_cache.head_keys(store_id), page])
        cached_head = found.get(catalogue_cache.head_key(store_id))
        if isinstance(cached_head, dict) and cached_head.get("slug") == slug:
            break
        # The remembered store has no copy under this slug (gone, or the slug moved): ask again.
    version = catalogue_cache.head_version(slug, store_id, found)
    if version is None:
        return Lookup(None, None)
    stored = found.get(page)
    if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == version:
        return Lookup(version, StoredAnswer(*stored))
    return Lookup(version, None)


def store_answer(version: str, variant: str, content: bytes, content_type: str) -> None:
    store_id = version.split(":", 1)[0]
    caches["default"].set(
        _key(store_id, variant), (version, content, content_type), settings.DUKAAN_PAGE_CACHE_SECONDS
    )
