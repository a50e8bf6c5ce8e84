"""Security review (R1): a logo uploaded through the admin is checked like a seller's upload."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stores.models import User

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("+919000000099", "admin-pass-123"))
    return client


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
