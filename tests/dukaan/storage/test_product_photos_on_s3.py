"""A seller's product photo, end to end on a real S3 API server: API upload -> bucket -> CDN URLs
in the API, the catalogue JSON and the storefront HTML; replacing and deleting clean up; a broken
bucket answers a clear error and creates nothing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dukaan.storage import CACHE_IMMUTABLE, STORE_FAILED_MESSAGE
from products.models import Product

from .conftest import create_bucket, jpeg_bytes, start_moto_server, use_s3

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clear_catalogue_cache")]

CDN = "https://cdn.dukaan.test/"


def photo(color=(200, 120, 40), name="IMG_20240101.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(color), content_type="image/jpeg")


def add_product(seller_api, store, image=None, name="Masala Chai"):
    data = {"name": name, "price": "120.00"}
    if image is not None:
        data["image"] = image
    return seller_api.post(f"/api/v1/stores/{store.slug}/products/", data, format="multipart")


def test_a_product_added_with_a_photo_stores_jpeg_variants_with_long_cache_headers(
    s3_media, seller_api, store
):
    response = add_product(seller_api, store, photo())

    assert response.status_code == 201, response.content
    product = Product.objects.get(pk=response.json()["id"])
    keys = s3_media.keys()
    assert keys == sorted([product.image_thumb.name, product.image_large.name, product.image_small.name])
    assert re.fullmatch(rf"products/{store.pk}/[0-9a-f]{{64}}-thumb\.jpg", product.image_thumb.name)
    assert re.fullmatch(rf"products/{store.pk}/[0-9a-f]{{64}}-large\.jpg", product.image_large.name)
    for key in keys:
        head = s3_media.head(key)
        assert head["ContentType"] == "image/jpeg"
        assert head["CacheControl"] == CACHE_IMMUTABLE
    assert response.json()["thumb_url"] == CDN + product.image_thumb.name
    assert response.json()["image_url"] == CDN + product.image_large.name


def test_the_catalogue_json_and_the_storefront_point_images_at_the_cdn(s3_media, seller_api, store, client):
    product_id = add_product(seller_api, store, photo()).json()["id"]
    product = Product.objects.get(pk=product_id)

    catalogue = client.get(f"/api/v1/stores/{store.slug}/catalog/")
    storefront = client.get(f"/{store.slug}/")
    detail = client.get(f"/{store.slug}/p/{product_id}/")

    assert catalogue.status_code == 200
    (entry,) = [p for p in catalogue.json()["products"] if p["id"] == product_id]
    assert entry["thumb_url"] == CDN + product.image_thumb.name
    assert entry["image_url"] == CDN + product.image_large.name
    assert storefront.status_code == 200
    assert f'src="{CDN}{product.image_thumb.name}"' in storefront.text
    assert "/media/" not in storefront.text
    assert f'src="{CDN}{product.image_large.name}"' in detail.text


def test_replacing_the_photo_removes_the_old_objects_from_the_bucket(
    s3_media, seller_api, store, django_capture_on_commit_callbacks
):
    product_id = add_product(seller_api, store, photo((10, 200, 10))).json()["id"]
    old = s3_media.keys()

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_api.patch(
            f"/api/v1/stores/{store.slug}/products/{product_id}/",
            {"image": photo((10, 10, 200))},
            format="multipart",
        )

    assert response.status_code == 200, response.content
    product = Product.objects.get(pk=product_id)
    assert s3_media.keys() == sorted(
        [product.image_thumb.name, product.image_large.name, product.image_small.name]
    )
    assert not set(old) & set(s3_media.keys())
    assert response.json()["thumb_url"] == CDN + product.image_thumb.name


def test_a_photo_shared_by_two_products_survives_replacing_it_on_one(
    s3_media, seller_api, store, django_capture_on_commit_callbacks
):
    first = add_product(seller_api, store, photo(), name="Chai").json()["id"]
    add_product(seller_api, store, photo(), name="Chai, again")
    shared = s3_media.keys()

    with django_capture_on_commit_callbacks(execute=True):
        seller_api.patch(
            f"/api/v1/stores/{store.slug}/products/{first}/", {"image": photo((0, 0, 0))}, format="multipart"
        )

    assert set(shared) <= set(s3_media.keys())
    assert len(s3_media.keys()) == 6  # two photos, three variants each


def test_deleting_the_product_removes_its_photo_from_the_bucket(
    s3_media, seller_api, store, django_capture_on_commit_callbacks
):
    product_id = add_product(seller_api, store, photo()).json()["id"]
    assert len(s3_media.keys()) == 3  # thumb, large and small

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_api.delete(f"/api/v1/stores/{store.slug}/products/{product_id}/")

    assert response.status_code == 204
    assert s3_media.keys() == []


def test_with_the_s3_server_stopped_the_upload_answers_a_clear_error_and_creates_no_product(
    settings, seller_api, store
):
    server = start_moto_server()
    try:
        create_bucket(server, "media")
        use_s3(settings, server, "media", "cdn.dukaan.test")
    finally:
        server.stop()

    response = add_product(seller_api, store, photo())

    assert response.status_code == 503
    assert response.json() == {"detail": STORE_FAILED_MESSAGE}
    assert response["Retry-After"] == "30"
    assert not Product.objects.filter(store=store).exists()


def test_a_missing_bucket_answers_a_clear_error_and_creates_no_product(
    settings, moto_server, seller_api, store
):
    use_s3(settings, moto_server, "bucket-nobody-created", "cdn.dukaan.test")

    response = add_product(seller_api, store, photo())

    assert response.status_code == 503
    assert response.json() == {"detail": STORE_FAILED_MESSAGE}
    assert not Product.objects.filter(store=store).exists()


def test_a_failed_photo_replacement_keeps_the_product_and_its_old_photo(
    settings, s3_media, seller_api, store
):
    product_id = add_product(seller_api, store, photo()).json()["id"]
    before = Product.objects.get(pk=product_id)
    use_s3(settings, s3_media.server, "bucket-nobody-created", "cdn.dukaan.test")

    response = seller_api.patch(
        f"/api/v1/stores/{store.slug}/products/{product_id}/",
        {"image": photo((1, 1, 1)), "name": "Renamed"},
        format="multipart",
    )

    assert response.status_code == 503
    after = Product.objects.get(pk=product_id)
    assert (after.name, after.image_thumb.name, after.image_large.name) == (
        before.name,
        before.image_thumb.name,
        before.image_large.name,
    )
    assert len(s3_media.keys()) == 3


def test_the_dashboard_shows_the_seller_a_clear_message_when_the_bucket_fails(
    settings, moto_server, seller_web, store
):
    use_s3(settings, moto_server, "bucket-nobody-created", "cdn.dukaan.test")

    response = seller_web.post(
        f"/dashboard/{store.slug}/products/add/",
        {"name": "Chai", "price": "120", "image": photo(), "is_active": "on"},
    )

    assert response.status_code == 503
    assert STORE_FAILED_MESSAGE in response.text
    assert not Product.objects.filter(store=store).exists()


def test_the_store_settings_page_shows_a_clear_message_when_the_bucket_fails(
    settings, moto_server, seller_web, store
):
    use_s3(settings, moto_server, "bucket-nobody-created", "cdn.dukaan.test")

    response = seller_web.post(
        f"/dashboard/{store.slug}/settings/",
        {"name": "New name", "description": "", "whatsapp_number": "", "upi_id": "", "is_active": "on",
         "logo": photo()},
    )  # fmt: skip

    assert response.status_code == 503
    assert STORE_FAILED_MESSAGE in response.text
    store.refresh_from_db()
    assert store.name == "Asha's Kitchen" and not store.logo


def test_a_store_logo_goes_to_the_bucket_and_is_served_from_the_cdn(
    s3_media, seller_api, store, django_capture_on_commit_callbacks
):
    url = f"/api/v1/stores/{store.slug}/"
    logo = SimpleUploadedFile(
        "logo.jpg", jpeg_bytes((0, 90, 200), size=(300, 300)), content_type="image/jpeg"
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = seller_api.patch(url, {"logo": logo}, format="multipart")
    (key,) = s3_media.keys("logos/")
    head = s3_media.head(key)
    with django_capture_on_commit_callbacks(execute=True):
        seller_api.patch(url, {"logo": photo((90, 0, 0))}, format="multipart")

    assert first.status_code == 200, first.content
    assert re.fullmatch(rf"logos/{store.slug}/[0-9a-f]{{32}}\.png", key)
    assert first.json()["logo_url"] == CDN + key
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"] == CACHE_IMMUTABLE
    (replaced,) = s3_media.keys("logos/")
    assert replaced != key
