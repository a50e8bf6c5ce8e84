"""API tokens: each sign-in by code rotates the seller's token, and a token can be revoked
by the seller (sign out) or by an admin."""

from __future__ import annotations

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from stores.models import User

REQUEST = "/api/v1/auth/otp/request/"
VERIFY = "/api/v1/auth/otp/verify/"
LOGOUT = "/api/v1/auth/logout/"
STORES = "/api/v1/stores/"


def _sign_in(sms_log, phone: str) -> str:
    client = APIClient()
    assert client.post(REQUEST, {"phone": phone}, format="json").status_code == 202
    response = client.post(VERIFY, {"phone": phone, "otp": sms_log.code_for(phone)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _as(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_signing_in_again_rotates_the_token_and_the_old_one_stops_working(seller, sms_log, no_cooldown):
    first = _sign_in(sms_log, seller.phone)
    assert _as(first).get(STORES).status_code == 200
    second = _sign_in(sms_log, seller.phone)
    assert second != first
    assert _as(first).get(STORES).status_code == 401
    assert _as(second).get(STORES).status_code == 200
    assert Token.objects.filter(user=seller).count() == 1


def test_logout_revokes_the_token_it_was_sent_with(seller, sms_log):
    token = _sign_in(sms_log, seller.phone)
    client = _as(token)
    assert client.post(LOGOUT).status_code == 204
    assert client.get(STORES).status_code == 401
    assert client.post(LOGOUT).status_code == 401  # nothing left to sign out
    assert not Token.objects.filter(user=seller).exists()


def test_logout_without_a_token_is_401_and_revokes_nothing(api_client, seller_api, seller):
    assert api_client.post(LOGOUT).status_code == 401
    assert Token.objects.filter(user=seller).exists()


def test_logout_of_one_seller_leaves_other_sellers_signed_in(seller_api, make_seller):
    other = make_seller()
    other_token = Token.objects.create(user=other)
    assert seller_api.post(LOGOUT).status_code == 204
    assert _as(other_token.key).get(STORES).status_code == 200


def test_the_admin_revokes_a_sellers_token(client, seller_api, seller, make_seller):
    admin = User.objects.create_superuser("+919000000099", "admin-pass-123")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    bystander = make_seller()
    bystander_token = Token.objects.create(user=bystander)
    response = client.post(
        "/admin/stores/user/",
        {"action": "sign_out_of_the_app", "_selected_action": [seller.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Revoked 1 API token(s)." in response.content.decode()
    assert seller_api.get(STORES).status_code == 401
    assert _as(bystander_token.key).get(STORES).status_code == 200


def test_a_code_typed_in_devanagari_digits_signs_in(api_client, seller, sms_log):
    assert api_client.post(REQUEST, {"phone": seller.phone}, format="json").status_code == 202
    code = sms_log.code_for(seller.phone)
    devanagari = code.translate(str.maketrans("0123456789", "०१२३४५६७८९"))
    response = api_client.post(VERIFY, {"phone": seller.phone, "otp": devanagari}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["token"] == Token.objects.get(user=seller).key
