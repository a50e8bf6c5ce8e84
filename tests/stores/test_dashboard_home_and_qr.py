"""Issue 14 on the seller's side: an empty store leads with its first product, the home shows the
day's orders, the store's QR code downloads as a PNG that decodes and as a valid SVG, and a
printable poster; the site's icons and manifest answer."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


def _order(store, number, *, total="100.00", status=OrderStatus.PLACED, method="cod", days_ago=0) -> Order:
    order = Order.objects.create(
        store=store,
        number=number,
        customer_name=f"Customer {number}",
        customer_phone="+919845012345",
        address="12 MG Road",
        pincode="560001",
        payment_method=method,
        status=status,
        subtotal=Decimal(total),
        total=Decimal(total),
    )
    if days_ago:
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return order


def test_an_empty_store_leads_with_adding_the_first_product(seller_web, store):
    page = seller_web.get("/dashboard/").content.decode()
    html = page[page.index(f'id="store-{store.slug}"') :]
    first_product = html.index("Add your first product")
    assert f'href="/dashboard/{store.slug}/products/add/"' in html
    # Nothing pushes the seller to share a store with nothing in it.
    assert "Share on WhatsApp" not in html and "data-copy=" not in html
    assert html.index(store.public_url) > first_product


def test_once_there_is_a_product_the_home_shows_share_and_the_days_orders(seller_web, store, make_product):
    make_product(store)
    _order(store, 1001, total="250.00")
    _order(store, 1002, total="99.50", status=OrderStatus.PENDING_PAYMENT, method="upi")
    _order(store, 1003, total="500.00", status=OrderStatus.CANCELLED)
    _order(store, 1000, total="70.00", status=OrderStatus.ACCEPTED, days_ago=2)
    html = seller_web.get("/dashboard/").content.decode()
    assert "Add your first product" not in html
    assert "Share on WhatsApp" in html
    stats = html[html.index('class="home-stats"') :]
    # Today: 2 open orders (the cancelled one left out) for ₹349.50; 2 wait for the seller.
    assert "<dt>Today</dt><dd>2</dd>" in stats
    assert "<dd>₹349.50</dd>" in stats
    assert '<div class="is-waiting"><dt>Waiting for you</dt><dd>2</dd>' in stats
    recent = html[html.index('class="home-recent"') :]
    assert [n for n in ("#1003", "#1002", "#1001", "#1000") if n in recent] == [
        "#1003",
        "#1002",
        "#1001",
        "#1000",
    ]
    assert recent.index("#1003") < recent.index("#1000")
    assert f'href="/dashboard/{store.slug}/orders/1001/"' in recent


def test_the_qr_png_opens_as_an_image_and_decodes_to_the_store_link(seller_web, store):
    zxingcpp = pytest.importorskip("zxingcpp")
    response = seller_web.get(f"/dashboard/{store.slug}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="{store.slug}-qr.png"'
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and min(image.size) >= 400
    results = zxingcpp.read_barcodes(image.convert("RGB"))
    assert [r.text for r in results] == [store.public_url]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode


def test_the_qr_svg_is_a_valid_standalone_svg_with_a_viewbox(seller_web, store):
    root = ET.fromstring(seller_web.get(f"/dashboard/{store.slug}/qr.svg").content)  # noqa: S314 - our own answer
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") or (root.get("width") and root.get("height"))


def test_the_poster_has_the_store_name_qr_and_link_and_prints_on_a5(seller_web, store):
    html = seller_web.get(f"/dashboard/{store.slug}/poster/").content.decode()
    assert f'<h1 class="poster-name">{escape(store.name)}</h1>' in html
    assert "<svg" in html and "viewBox" in html
    assert store.public_url.split("://", 1)[1].rstrip("/") in html
    assert "css/poster" in html and "data-print" in html


def test_another_sellers_qr_and_poster_are_not_found(seller_web, make_store):
    other = make_store(slug="someone-else")
    for path in (f"/dashboard/{other.slug}/qr.png", f"/dashboard/{other.slug}/poster/"):
        assert seller_web.get(path).status_code == 404


def test_order_page_unit_prices_carry_the_rupee_sign(seller_web, store, make_product):
    order = _order(store, 1001)
    order.items.create(
        product=None, name="Chai", quantity=2, unit_price=Decimal("45.00"), line_total=Decimal("90.00")
    )
    html = seller_web.get(f"/dashboard/{store.slug}/orders/1001/").content.decode()
    assert "@ ₹45</span>" in html


def test_favicon_and_the_web_app_manifest_answer(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/x-icon"
    assert Image.open(io.BytesIO(icon.content)).format == "ICO"
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest["Content-Type"].startswith("application/manifest+json")
    data = json.loads(manifest.content)
    assert data["start_url"] == "/dashboard/" and data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}


def test_every_page_links_the_icons_and_a_manifest(client, store):
    for path in ("/", "/dashboard/login/", f"/{store.slug}/"):
        html = client.get(path).content.decode()
        assert '<link rel="icon" href="/favicon.ico"' in html, path
        assert 'rel="manifest"' in html and 'rel="apple-touch-icon"' in html, path


def test_the_front_page_has_a_description_and_preview_tags(client):
    html = client.get("/").content.decode()
    for tag in ('name="description"', 'property="og:title"', 'property="og:image"', 'name="twitter:card"'):
        assert tag in html
