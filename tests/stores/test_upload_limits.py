"""A store logo over its limit is refused from the declared Content-Length, on the API PATCH and on
the dashboard's settings page, without a byte of the body being read (not even by CSRF checks)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape
from rest_framework.test import APIClient

from stores.models import Store
from tests.uploads import FIFTY_MB, multipart
from tests.uploads import send_claiming as send_tiny_body_claiming

LOGO_MESSAGE = "The logo is too large: keep it under 2 MB."


TINY_BODY = multipart(name="Hijacked", description="changed")


def send_claiming(client, method: str, path: str, length: int = FIFTY_MB, **extra):
    return send_tiny_body_claiming(client, method, path, TINY_BODY, length, **extra)


def settings_url(store: Store) -> str:
    return f"/dashboard/{store.slug}/settings/"


def snapshot(store: Store) -> dict:
    return Store.objects.filter(pk=store.pk).values().get()


@pytest.fixture
def csrf_web(seller, store):
    """A signed-in browser whose CSRF token is checked, holding the cookie a real page gives it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller)
    assert client.get(settings_url(store)).status_code == 200
    client.token = client.cookies["csrftoken"].value
    return client


def test_the_api_patch_refuses_a_50_mb_logo_from_its_length(seller_api, store):
    before = snapshot(store)

    response, body = send_claiming(seller_api, "PATCH", f"/api/v1/stores/{store.slug}/")

    assert response.status_code == 400
    assert response.json() == {"logo": [LOGO_MESSAGE]}
    assert body.reads == 0
    assert snapshot(store) == before


def test_the_api_patch_refuses_it_for_a_session_login_too(seller, store):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(seller)
    client.get(settings_url(store))
    before = snapshot(store)

    response, body = send_claiming(
        client,
        "PATCH",
        f"/api/v1/stores/{store.slug}/",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert response.status_code == 400
    assert response.json()["logo"] == [LOGO_MESSAGE]
    assert body.reads == 0
    assert snapshot(store) == before


def test_the_api_limit_is_the_logo_limit_plus_the_form_around_it(seller_api, store):
    # 2 MB of logo plus 256 KB for the other fields is allowed through to the real checks.
    response, body = send_claiming(
        seller_api, "PATCH", f"/api/v1/stores/{store.slug}/", length=2 * 1024 * 1024 + 256 * 1024
    )
    assert body.reads > 0 and response.status_code != 500

    response, body = send_claiming(
        seller_api, "PATCH", f"/api/v1/stores/{store.slug}/", length=2 * 1024 * 1024 + 256 * 1024 + 1
    )
    assert response.status_code == 400 and body.reads == 0


def test_the_settings_page_refuses_a_50_mb_body_without_reading_it(csrf_web, store):
    before = snapshot(store)

    response, body = send_claiming(csrf_web, "POST", settings_url(store), HTTP_X_CSRFTOKEN=csrf_web.token)

    assert response.status_code == 400
    assert body.reads == 0  # not even by CsrfViewMiddleware looking for csrfmiddlewaretoken
    assert response.context["form"].errors["logo"] == [f"{LOGO_MESSAGE} Nothing was saved."]
    html = response.content.decode()
    assert LOGO_MESSAGE in html
    assert f'value="{escape(store.name)}"' in html  # the saved settings, not the unread ones
    assert snapshot(store) == before


def test_the_settings_page_of_another_seller_is_still_a_404_unread(csrf_web, make_store):
    other = make_store(name="Someone Else", slug="someone-else")

    response, body = send_claiming(csrf_web, "POST", settings_url(other), HTTP_X_CSRFTOKEN=csrf_web.token)

    assert response.status_code == 404
    assert body.reads == 0
    assert Store.objects.get(pk=other.pk).name == "Someone Else"


def test_settings_of_normal_size_are_still_csrf_checked(csrf_web, store):
    data = {"name": "New Name", "description": "", "whatsapp_number": "", "upi_id": "", "is_active": "on"}

    assert csrf_web.post(settings_url(store), data).status_code == 403
    assert Store.objects.get(pk=store.pk).name == store.name

    response = csrf_web.post(settings_url(store), data, HTTP_X_CSRFTOKEN=csrf_web.token)
    assert response.status_code == 302
    assert Store.objects.get(pk=store.pk).name == "New Name"
