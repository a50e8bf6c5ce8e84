"""Security review (R1): what sellers type is shown as text on every page, never as markup or links."""

from __future__ import annotations

import pytest

from stores import services

pytestmark = pytest.mark.django_db

NAME = '"><img src=x onerror=alert(1)>'
DESCRIPTION = '<script>alert(2)</script>\njavascript:alert(3) <a href="javascript:alert(4)">deal</a>'


def test_store_and_product_text_cannot_inject_markup_or_links(store, make_product, client, seller_web):
    services.store_update(store=store, name=NAME, description=DESCRIPTION)
    product = make_product(store, name=NAME, description=DESCRIPTION)
    pages = [
        client.get(f"/{store.slug}/"),
        client.get(f"/{store.slug}/p/{product.id}/"),
        seller_web.get("/dashboard/"),
        seller_web.get(f"/dashboard/{store.slug}/products/"),
        seller_web.get(f"/dashboard/{store.slug}/settings/"),
    ]
    for response in pages:
        assert response.status_code == 200, response.request["PATH_INFO"]
        html = response.content.decode()
        assert "&lt;img src=x onerror=alert(1)&gt;" in html or "%3Cimg" in html, response.request["PATH_INFO"]
        for raw in ("<img src=x", "<script>alert", 'href="javascript:', '<a href="javascript'):
            assert raw not in html, (raw, response.request["PATH_INFO"])
