"""Store admin: search, filters, the storefront link, safe actions, no reserved slugs, checked logos."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stores.models import Store, User

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("+919000000099", "admin-pass-123"))
    return client


def test_changelist_searches_name_slug_and_owner_phone(admin_client, make_seller, make_store):
    ravi = make_seller("+919811111111")
    make_store(owner=ravi, name="Ravi Kirana", slug="ravi-kirana")
    make_store(name="Meena Sweets", slug="meena-sweets")
    for query in ["Ravi", "ravi-kirana", "9811111111"]:
        html = admin_client.get(f"/admin/stores/store/?q={query}").content.decode()
        assert "Ravi Kirana" in html and "Meena Sweets" not in html, query


def test_changelist_links_to_the_storefront_and_filters(admin_client, store):
    html = admin_client.get("/admin/stores/store/").content.decode()
    assert f'href="{store.public_url}"' in html
    for query in ["is_active__exact=1", "currency=INR", "created_at__year=2026"]:
        assert admin_client.get(f"/admin/stores/store/?{query}").status_code == 200


def test_changelist_query_count_is_flat(admin_client, make_store, django_assert_max_num_queries):
    for n in range(10):
        make_store(name=f"Shop {n}", slug=f"shop-{n}")
    with django_assert_max_num_queries(12):
        assert admin_client.get("/admin/stores/store/").status_code == 200


def test_change_page_renders_and_refuses_a_reserved_slug(admin_client, store):
    url = f"/admin/stores/store/{store.pk}/change/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "name": store.name,
            "slug": "admin",
            "owner": store.owner.pk,
            "is_active": "on",
            "description": "",
            "currency": "INR",
            "whatsapp_number": "",
            "upi_id": "",
        },
    )
    assert response.status_code == 200
    assert "reserved" in response.content.decode()
    store.refresh_from_db()
    assert store.slug == "ashas-kitchen"


def _change(admin_client, store, logo):
    return admin_client.post(
        f"/admin/stores/store/{store.pk}/change/",
        {
            "name": store.name,
            "slug": store.slug,
            "owner": store.owner.pk,
            "is_active": "on",
            "description": "",
            "currency": "INR",
            "whatsapp_number": "",
            "upi_id": "",
            "logo": logo,
        },
    )


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("logo.svg", SVG, "image/svg+xml"),  # served from our media URL, it would run script
        ("logo.html", b"<script>alert(1)</script>", "text/html"),
        ("logo.png", SVG, "image/png"),
    ],
)
def test_the_admin_refuses_a_logo_that_is_not_a_raster_image(
    admin_client, store, media_root, name, content, content_type
):
    response = _change(admin_client, store, SimpleUploadedFile(name, content, content_type=content_type))

    assert response.status_code == 200  # the form again, with the error
    assert "not an image we can read" in response.content.decode()
    store.refresh_from_db()
    assert store.logo.name == ""
    assert not (media_root / "logos").exists()


def test_an_admin_logo_is_re_encoded_as_a_png_like_a_sellers(admin_client, store):
    photo = io.BytesIO()
    Image.new("RGB", (1000, 600), "red").save(photo, format="JPEG")

    response = _change(admin_client, store, SimpleUploadedFile("shop.jpg.html", photo.getvalue()))

    assert response.status_code == 302
    store.refresh_from_db()
    assert store.logo.name.startswith(f"logos/{store.slug}/") and store.logo.name.endswith(".png")
    with default_storage.open(store.logo.name) as stored, Image.open(stored) as image:
        assert image.format == "PNG" and max(image.size) == 512


def test_close_action_hides_stores(admin_client, store):
    admin_client.post("/admin/stores/store/", {"action": "close_stores", "_selected_action": [store.pk]})
    store.refresh_from_db()
    assert store.is_active is False


def test_non_staff_seller_cannot_open_the_admin(seller_web):
    response = seller_web.get("/admin/stores/store/")
    assert response.status_code == 302
    assert Store.objects.count() == 0
