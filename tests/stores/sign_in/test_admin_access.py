"""How a session was opened decides whether it may reach the admin: an SMS code opens the dashboard only."""

from __future__ import annotations

import pytest

from stores.models import User

ADMIN_PHONE = "+919812345678"
ADMIN_PASSWORD = "a-long-admin-password-123"


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(phone=ADMIN_PHONE, password=ADMIN_PASSWORD)


def _sign_in_by_sms_code(client, sms_log, phone: str):
    client.post("/dashboard/login/", {"phone": phone})
    return client.post("/dashboard/login/verify/", {"otp": sms_log.code_for(phone)})


def test_a_staff_account_signed_in_by_sms_code_does_not_reach_the_admin(client, sms_log, superuser):
    # Whoever receives the admin's SMS (a swapped SIM, a shared phone) must still need the password.
    response = _sign_in_by_sms_code(client, sms_log, ADMIN_PHONE)
    assert response.status_code == 302
    assert client.get("/dashboard/stores/new/").status_code == 200  # signed in to the dashboard

    for path in ("/admin/", "/admin/stores/user/", f"/admin/stores/user/{superuser.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


def test_the_admin_password_opens_the_admin_even_after_an_sms_sign_in(client, sms_log, superuser):
    _sign_in_by_sms_code(client, sms_log, ADMIN_PHONE)

    response = client.post(
        "/admin/login/?next=/admin/", {"username": ADMIN_PHONE, "password": ADMIN_PASSWORD}
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_seller_signed_in_by_sms_code_never_reaches_the_admin(client, sms_log, make_seller):
    make_seller(phone="+919811111111")
    _sign_in_by_sms_code(client, sms_log, "+919811111111")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
