"""Security review (R1): how a session was opened decides whether it may reach the admin."""

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


def test_signing_in_by_sms_code_gives_a_new_session_id(client, sms_log, make_seller):
    make_seller(phone="+919811111111")
    client.post("/dashboard/login/", {"phone": "+919811111111"})
    before = client.cookies["sessionid"].value

    client.post("/dashboard/login/verify/", {"otp": sms_log.code_for("+919811111111")})

    assert client.cookies["sessionid"].value != before  # a planted session id is worthless


def _ask_code(client, phone: str, ip: str):
    return client.post("/api/v1/auth/otp/request/", {"phone": phone}, REMOTE_ADDR=ip)


def test_the_per_ip_code_limit_counts_an_ipv6_client_by_its_64_network(client, db, no_cooldown, settings):
    # One home or phone line gets a whole /64: rotating addresses inside it must not buy more SMS.
    settings.DUKAAN_OTP_MAX_SENDS_PER_IP_PER_HOUR = 3
    addresses = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"]
    for n, ip in enumerate(addresses):
        assert _ask_code(client, f"+91981111110{n}", ip).status_code == 202

    assert _ask_code(client, "+919811111109", "2001:db8:1:2:ffff::9").status_code == 429
    assert _ask_code(client, "+919811111108", "2001:db8:1:3::1").status_code == 202  # another line


def test_the_per_ip_code_limit_still_counts_each_ipv4_address(client, db, no_cooldown, settings):
    settings.DUKAAN_OTP_MAX_SENDS_PER_IP_PER_HOUR = 2
    assert _ask_code(client, "+919811111100", "203.0.113.7").status_code == 202
    assert _ask_code(client, "+919811111101", "::ffff:203.0.113.7").status_code == 202  # the same address
    assert _ask_code(client, "+919811111102", "203.0.113.7").status_code == 429
    assert _ask_code(client, "+919811111103", "203.0.113.8").status_code == 202
