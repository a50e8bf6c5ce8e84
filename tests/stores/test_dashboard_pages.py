"""Seller dashboard pages: home with the share link, store creation and store settings."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stores.models import Store


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def _png(size=(64, 64), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _settings_post(store, **changes):
    data = {
        "name": store.name,
        "description": store.description,
        "whatsapp_number": store.whatsapp_number,
        "upi_id": store.upi_id,
        "is_active": "on" if store.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    "path", ["/dashboard/", "/dashboard/stores/new/", "/dashboard/ashas-kitchen/settings/"]
)
def test_dashboard_pages_need_login(client, store, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/?next=")


def test_home_shows_link_copy_whatsapp_and_qr(seller_web, store, make_product):
    make_product(store)
    response = seller_web.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    url = store.public_url
    assert f'href="{url}"' in html
    assert f'data-copy="{url}"' in html
    assert f"https://wa.me/?text={quote(f'Order from {store.name} online: {url}', safe='')}" in html.replace(
        "&#x27;", "'"
    ).replace("&amp;", "&")
    assert "<svg" in html and 'class="segno"' in html
    assert "Share on WhatsApp" in html
    # The nav of the store's pages, with plain paths.
    for path in ["products", "categories", "orders", "settings"]:
        assert f'href="/dashboard/{store.slug}/{path}/"' in html


def test_qr_code_is_drawn_locally_and_downloadable(seller_web, store, make_product):
    make_product(store)
    html = seller_web.get("/dashboard/").content.decode()
    assert "chart.googleapis" not in html and "api.qrserver" not in html
    svg = seller_web.get(f"/dashboard/{store.slug}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"] == f'attachment; filename="{store.slug}-qr.svg"'
    # A standalone file: image viewers only open an SVG that declares its namespace.
    assert svg.content.startswith(b"<?xml")
    assert b'xmlns="http://www.w3.org/2000/svg"' in svg.content


def test_short_links_still_get_a_full_qr_code_phones_can_scan():
    import re

    from dukaan.qr import qr_svg_inline

    # segno.make would pick a Micro QR code for a link this short; phone cameras do not read those.
    width = int(re.search(r'viewBox="0 0 (\d+) ', qr_svg_inline("http://a/", scale=4)).group(1))
    assert width // 4 >= 21 + 8  # version 1 (21 modules) plus the 4-module quiet zone each side


def test_seller_without_a_store_is_sent_to_name_one(client, seller):
    client.force_login(seller)
    assert client.get("/dashboard/")["Location"] == "/dashboard/stores/new/"


def test_html_in_a_store_name_is_escaped_on_the_dashboard(seller_web, seller, make_store):
    make_store(owner=seller, name='<img src=x onerror="alert(1)">', slug="xss-shop")
    html = seller_web.get("/dashboard/").content.decode()
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_create_store_from_the_page(seller_web, seller):
    response = seller_web.post("/dashboard/stores/new/", {"name": "Meena Sweets"})
    assert response["Location"] == "/dashboard/"
    assert seller.stores.get().slug == "meena-sweets"


@pytest.mark.parametrize(
    "name, message",
    [("", "Enter a name for your store."), ("x" * 10_000, "Keep the store name to 80 characters.")],
)
def test_bad_store_name_on_the_page_is_explained_and_creates_nothing(seller_web, name, message):
    response = seller_web.post("/dashboard/stores/new/", {"name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Store.objects.count() == 0


def test_reserved_name_on_the_page_gets_a_safe_slug(seller_web, seller):
    seller_web.post("/dashboard/stores/new/", {"name": "Dashboard"})
    assert seller.stores.get().slug == "dashboard-store"


def test_settings_page_edits_the_store(seller_web, store):
    response = seller_web.post(
        f"/dashboard/{store.slug}/settings/",
        _settings_post(
            store,
            name="Asha's Tiffins",
            description="Home food",
            whatsapp_number="98765 43210",
            upi_id="asha@okaxis",
            is_active="",
        ),
    )
    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.name, store.slug, store.description) == ("Asha's Tiffins", "ashas-kitchen", "Home food")
    assert (store.whatsapp_number, store.upi_id, store.is_active) == ("+919876543210", "asha@okaxis", False)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"upi_id": "asha-at-okaxis"}, "Enter a UPI id like shopname@okaxis."),
        ({"whatsapp_number": "98765abcde"}, "Enter a valid mobile number"),
        ({"whatsapp_number": "+91 55555 55555"}, "not a valid mobile number"),
        ({"name": ""}, "Enter a name for your store."),
        ({"name": "n" * 10_000}, "80 characters"),
    ],
)
def test_settings_page_explains_bad_values_and_changes_nothing(seller_web, store, changes, message):
    before = Store.objects.filter(pk=store.pk).values().get()
    response = seller_web.post(f"/dashboard/{store.slug}/settings/", _settings_post(store, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Store.objects.filter(pk=store.pk).values().get() == before


def test_logo_upload_is_checked_resized_and_stored(seller_web, store):
    upload = SimpleUploadedFile("logo.png", _png((1200, 800)), content_type="image/png")
    response = seller_web.post(
        f"/dashboard/{store.slug}/settings/", {**_settings_post(store), "logo": upload}
    )
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.logo.name.startswith(f"logos/{store.slug}/")
    with default_storage.open(store.logo.name) as stored, Image.open(stored) as image:
        assert image.format == "PNG"
        assert max(image.size) == 512


@pytest.mark.parametrize(
    "content, message",
    [
        (b"<html>not an image</html>", "not an image we can read"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "not an image we can read"),
    ],
)
def test_bad_logo_is_refused_and_nothing_is_stored(seller_web, store, content, message, settings):
    upload = SimpleUploadedFile("logo.png", content, content_type="image/png")
    response = seller_web.post(
        f"/dashboard/{store.slug}/settings/", {**_settings_post(store), "logo": upload}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    store.refresh_from_db()
    assert store.logo.name == ""
    assert not (settings.MEDIA_ROOT / "logos").exists()


def test_oversized_logo_is_refused(seller_web, store):
    big = io.BytesIO()
    Image.effect_noise((1400, 1400), 100).convert("RGB").save(big, format="PNG")
    assert big.tell() > 2 * 1024 * 1024
    upload = SimpleUploadedFile("logo.png", big.getvalue(), content_type="image/png")
    response = seller_web.post(
        f"/dashboard/{store.slug}/settings/", {**_settings_post(store), "logo": upload}
    )
    assert response.status_code == 400
    assert "too large" in response.content.decode()


def test_another_sellers_store_is_404_on_every_page(seller_web, make_store):
    other = make_store(name="Someone Else", slug="someone-else")
    for path in [f"/dashboard/{other.slug}/settings/", f"/dashboard/{other.slug}/qr.svg"]:
        assert seller_web.get(path).status_code == 404
    response = seller_web.post(f"/dashboard/{other.slug}/settings/", _settings_post(other, name="Hijacked"))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "Someone Else"


def test_dashboard_base_template_offers_blocks_for_other_pages(seller_web, store):
    from django.template import engines

    template = engines["django"].from_string(
        '{% extends "dashboard/base_dashboard.html" %}'
        "{% block dashboard_title %}Products{% endblock %}"
        "{% block dashboard_content %}<p>hello products</p>{% endblock %}"
    )
    request = seller_web.get("/dashboard/").wsgi_request
    request.path = f"/dashboard/{store.slug}/products/"
    html = template.render({"store": store, "user": store.owner, "request": request})
    assert "<title>Products · Dukaan</title>" in html
    assert "<p>hello products</p>" in html
    assert f'href="/dashboard/{store.slug}/products/" aria-current="page"' in html


def test_home_query_count_does_not_grow_with_stores(
    seller_web, seller, make_store, django_assert_max_num_queries
):
    for n in range(5):
        make_store(owner=seller, name=f"Shop {n}", slug=f"shop-{n}")
    # 6 for the page, 1 for the product counts and 2 for the orders cards of all stores together.
    with django_assert_max_num_queries(9):
        assert seller_web.get("/dashboard/").status_code == 200
