"""A product photo over the upload limit is refused from its declared Content-Length: the body is
never read, on the API and on the dashboard's add and edit pages, whatever reads first (CSRF)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from products.models import Product
from tests.uploads import multipart, send_claiming

TINY_BODY = multipart(name="Hijacked", price="1")


def post_claiming_50_mb(client, path: str, method: str = "POST", **extra):
    return send_claiming(client, method, path, TINY_BODY, **extra)


def dashboard(name: str, *args) -> str:
    return reverse(f"products_dashboard:{name}", args=args)


@pytest.fixture
def csrf_web(seller, store):
    """A signed-in browser whose CSRF token is checked (the test client skips that by default),
    holding the cookie and the header token a real page would give it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller)
    assert client.get(dashboard("product_add", store.slug)).status_code == 200
    client.token = client.cookies["csrftoken"].value
    return client


def test_the_api_refuses_a_50_mb_body_from_its_length_with_a_token(seller_api, store):
    response, body = post_claiming_50_mb(seller_api, f"/api/v1/stores/{store.slug}/products/")

    assert response.status_code == 400
    assert response.json() == {"image": ["The photo is larger than 10 MB."]}
    assert body.reads == 0
    assert Product.objects.count() == 0


def test_the_api_refuses_it_before_a_session_login_s_csrf_check_reads_the_form(seller, store):
    # SessionAuthentication's CSRF check reads request.POST (the whole body) for a POST: the
    # size check has to come before authentication.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(seller)
    client.get(dashboard("product_add", store.slug))

    response, body = post_claiming_50_mb(
        client, f"/api/v1/stores/{store.slug}/products/", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )

    assert response.status_code == 400
    assert response.json()["image"] == ["The photo is larger than 10 MB."]
    assert body.reads == 0
    assert Product.objects.count() == 0


def test_the_add_page_refuses_a_50_mb_body_without_reading_it(csrf_web, store):
    response, body = post_claiming_50_mb(
        csrf_web, dashboard("product_add", store.slug), HTTP_X_CSRFTOKEN=csrf_web.token
    )

    assert response.status_code == 400
    assert body.reads == 0  # not even by CsrfViewMiddleware looking for csrfmiddlewaretoken
    assert response.context["form"].errors["image"] == [
        "The photo is larger than 10 MB. Nothing was saved: choose a smaller photo."
    ]
    assert "The photo is larger than 10 MB." in response.content.decode()
    assert Product.objects.count() == 0


def test_the_edit_page_refuses_a_50_mb_body_and_shows_the_saved_product(csrf_web, store, make_product):
    product = make_product(store, name="Masala Chai", price="120.00")
    before = Product.objects.filter(pk=product.pk).values().get()

    response, body = post_claiming_50_mb(
        csrf_web, dashboard("product_edit", store.slug, product.pk), HTTP_X_CSRFTOKEN=csrf_web.token
    )

    assert response.status_code == 400
    assert body.reads == 0
    assert "The photo is larger than 10 MB." in response.context["form"].errors["image"][0]
    assert 'value="Masala Chai"' in response.content.decode()  # the form shows what is saved
    assert Product.objects.filter(pk=product.pk).values().get() == before


def test_the_limit_follows_the_upload_setting(csrf_web, store, settings):
    settings.DUKAAN_MAX_UPLOAD_BYTES = 1024 * 1024

    response = csrf_web.post(
        dashboard("product_add", store.slug),
        {"name": "Chai", "price": "10", "blob": "x" * (1024 * 1024 + 300 * 1024)},
        HTTP_X_CSRFTOKEN=csrf_web.token,
    )

    assert response.status_code == 400
    assert response.context["form"].errors["image"][0].startswith("The photo is larger than 1 MB.")
    assert Product.objects.count() == 0


def test_another_seller_s_store_is_still_a_404_for_an_oversized_body(csrf_web, other_store):
    response, body = post_claiming_50_mb(
        csrf_web, dashboard("product_add", other_store.slug), HTTP_X_CSRFTOKEN=csrf_web.token
    )

    assert response.status_code == 404
    assert body.reads == 0


def test_an_anonymous_oversized_post_is_sent_to_sign_in_unread(store):
    response, body = post_claiming_50_mb(Client(), dashboard("product_add", store.slug))

    assert response.status_code == 302 and response["Location"].startswith("/dashboard/login/")
    assert body.reads == 0


def test_a_post_of_normal_size_is_still_csrf_checked(csrf_web, store):
    # Without the token (cookie present): refused by the view's own CSRF check.
    refused = csrf_web.post(dashboard("product_add", store.slug), {"name": "Chai", "price": "10"})
    assert refused.status_code == 403
    assert Product.objects.count() == 0

    accepted = csrf_web.post(
        dashboard("product_add", store.slug),
        {"name": "Chai", "price": "10", "is_active": "on"},
        HTTP_X_CSRFTOKEN=csrf_web.token,
    )
    assert accepted.status_code == 302
    assert Product.objects.get().name == "Chai"
