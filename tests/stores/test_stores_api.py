"""GET/POST /api/v1/stores/, GET/PATCH /api/v1/stores/<slug>/, GET /api/v1/stores/<slug>/catalog/."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stores.models import Store

# The API fuzz tests (tests/api_fuzz/) found JSON nested this deep answered with a 500.
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def test_list_needs_a_token(api_client, db):
    assert api_client.get("/api/v1/stores/").status_code == 401
    assert api_client.post("/api/v1/stores/", {"name": "x"}, format="json").status_code == 401
    assert Store.objects.count() == 0


def test_list_shows_only_own_stores(seller_api, store, make_store):
    make_store(name="Not Mine", slug="not-mine")
    body = seller_api.get("/api/v1/stores/").json()
    assert [s["slug"] for s in body["results"]] == ["ashas-kitchen"]
    assert body["results"][0]["url"] == store.public_url


def test_create_answers_201_with_slug_and_url(seller_api, seller):
    response = seller_api.post("/api/v1/stores/", {"name": "Meena Sweets"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "meena-sweets"
    assert body["url"].endswith("/meena-sweets/")
    assert body["name"] == "Meena Sweets"
    assert body["is_active"] is True
    assert Store.objects.get().owner == seller


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 10_000},
        {"name": None},
        {"name": ["Shop"]},
        {"name": {"a": 1}},
        {"name": True},
        {"name": "Shop", "slug": "chosen"},
        {"name": "Shop", "owner": 1},
    ],
)
def test_create_with_bad_body_is_400_and_creates_nothing(seller_api, db, body):
    response = seller_api.post("/api/v1/stores/", body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert Store.objects.count() == 0


def test_create_name_errors_are_readable(seller_api, db):
    assert seller_api.post("/api/v1/stores/", {"name": ""}, format="json").json() == {
        "name": ["This field may not be blank."]
    }
    long = seller_api.post("/api/v1/stores/", {"name": "x" * 10_000}, format="json").json()
    assert "80" in long["name"][0]


@pytest.mark.parametrize("raw", [b"[]", b'"Shop"', b"{bad json", b"null"])
def test_create_with_malformed_json_is_400(seller_api, db, raw):
    response = seller_api.generic("POST", "/api/v1/stores/", raw, content_type="application/json")
    assert response.status_code == 400
    assert Store.objects.count() == 0


@pytest.mark.parametrize("path", ["/api/v1/stores/", "/api/v1/auth/otp/request/", "/api/v1/auth/otp/verify/"])
def test_sign_in_and_new_stores_refuse_json_nested_too_deeply_with_a_400(seller_api, path):
    response = seller_api.post(path, data=DEEP_JSON, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_create_reserved_name_never_gets_the_reserved_slug(seller_api, db):
    assert (
        seller_api.post("/api/v1/stores/", {"name": "Admin"}, format="json").json()["slug"] == "admin-store"
    )


def test_create_keeps_html_as_text(seller_api, db):
    body = seller_api.post("/api/v1/stores/", {"name": "<b>Bold</b> Shop"}, format="json").json()
    assert body["name"] == "<b>Bold</b> Shop"


def test_detail_for_owner(seller_api, store):
    body = seller_api.get(f"/api/v1/stores/{store.slug}/").json()
    assert body["slug"] == store.slug
    assert body["currency"] == "INR"


def test_another_sellers_store_is_404_and_unchanged(seller_api, make_store):
    other = make_store(name="Someone Else", slug="someone-else")
    assert seller_api.get(f"/api/v1/stores/{other.slug}/").status_code == 404
    response = seller_api.patch(f"/api/v1/stores/{other.slug}/", {"name": "Mine now"}, format="json")
    assert response.status_code == 404
    assert seller_api.get("/api/v1/stores/no-such-store/").status_code == 404
    other.refresh_from_db()
    assert other.name == "Someone Else"


def test_patch_updates_given_fields(seller_api, store):
    response = seller_api.patch(
        f"/api/v1/stores/{store.slug}/",
        {
            "name": "Asha's Tiffins",
            "whatsapp_number": "9876543210",
            "upi_id": "asha@okaxis",
            "is_active": False,
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["slug"]) == ("Asha's Tiffins", "ashas-kitchen")
    assert (body["whatsapp_number"], body["upi_id"], body["is_active"]) == (
        "+919876543210",
        "asha@okaxis",
        False,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 10_000},
        {"upi_id": "nope"},
        {"whatsapp_number": "abc"},
        {"whatsapp_number": "+91 55555 55555"},
        {"description": "d" * 5000},
        {"is_active": "perhaps"},
        {"slug": "new-slug"},
        {"currency": "USD"},
        {"name": ["x"]},
        {"name": "Fine", "upi_id": "bad"},
    ],
)
def test_patch_with_bad_values_is_400_and_changes_nothing(seller_api, store, body):
    before = Store.objects.filter(pk=store.pk).values().get()
    response = seller_api.patch(f"/api/v1/stores/{store.slug}/", body, format="json")
    assert response.status_code == 400, response.content
    assert Store.objects.filter(pk=store.pk).values().get() == before


def test_a_store_change_nested_too_deeply_is_a_400_and_changes_nothing(seller_api, store):
    response = seller_api.patch(
        f"/api/v1/stores/{store.slug}/", data=DEEP_JSON, content_type="application/json"
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert Store.objects.get(pk=store.pk).name == store.name


def test_put_and_delete_are_not_allowed(seller_api, store):
    assert seller_api.put(f"/api/v1/stores/{store.slug}/", {"name": "x"}, format="json").status_code == 405
    assert seller_api.delete(f"/api/v1/stores/{store.slug}/").status_code == 405
    assert Store.objects.filter(pk=store.pk).exists()


def test_patch_uploads_and_removes_a_logo(seller_api, store):
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 300), (0, 128, 0, 128)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    response = seller_api.patch(f"/api/v1/stores/{store.slug}/", {"logo": upload}, format="multipart")
    assert response.status_code == 200
    assert "/logos/ashas-kitchen/" in response.json()["logo_url"]
    response = seller_api.patch(f"/api/v1/stores/{store.slug}/", {"logo": None}, format="json")
    assert response.json()["logo_url"] == ""


def test_patch_with_a_fake_logo_is_400(seller_api, store):
    upload = SimpleUploadedFile("logo.png", b"GIF89a not really", content_type="image/gif")
    response = seller_api.patch(f"/api/v1/stores/{store.slug}/", {"logo": upload}, format="multipart")
    assert response.status_code == 400
    assert "logo" in response.json()


def test_catalog_is_public(api_client, store, make_product):
    make_product(store, name="Masala Chai")
    response = api_client.get(f"/api/v1/stores/{store.slug}/catalog/")
    assert response.status_code == 200
    body = response.json()
    assert body["store"]["slug"] == store.slug
    assert [p["name"] for p in body["products"]] == ["Masala Chai"]


def test_catalog_of_missing_or_closed_store_is_404(api_client, store):
    assert api_client.get("/api/v1/stores/nope/catalog/").status_code == 404
    Store.objects.filter(pk=store.pk).update(is_active=False)
    assert api_client.get(f"/api/v1/stores/{store.slug}/catalog/").status_code == 404


def test_schema_documents_the_auth_and_store_endpoints(api_client, db):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in [
        "/api/v1/auth/otp/request/",
        "/api/v1/auth/otp/verify/",
        "/api/v1/stores/",
        "/api/v1/stores/{slug}/",
        "/api/v1/stores/{slug}/catalog/",
    ]:
        assert path in paths, path
    verify = paths["/api/v1/auth/otp/verify/"]["post"]
    assert {"200", "400", "429"} <= set(verify["responses"])
    request_ref = verify["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][request_ref]["properties"]) == {"phone", "otp"}
    assert set(paths["/api/v1/auth/otp/request/"]["post"]["responses"]) >= {"202", "400", "429"}
    assert "patch" in paths["/api/v1/stores/{slug}/"] and "put" not in paths["/api/v1/stores/{slug}/"]
