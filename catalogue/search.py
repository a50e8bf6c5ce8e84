"""Search as the storefront uses it: what the shopper typed in, the products to show out."""

from __future__ import annotations

from products.search import normalize_query, search_product_ids


def storefront_search(store_id: int, raw_query: str | None) -> tuple[str, list[int] | None]:
    """The query as it will be shown and searched, and the matching product ids (None: no search)."""
    query = normalize_query(raw_query)
    if not query:
        return "", None
    return query, list(search_product_ids(store_id, query))
