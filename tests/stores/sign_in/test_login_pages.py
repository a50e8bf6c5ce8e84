"""Sign-up and sign-in on the web: login -> code -> store name (new seller) or the dashboard."""

from __future__ import annotations

import pytest

from stores.models import OtpChallenge, Store, User

PHONE = "+919812345678"


def _send(client, phone="98123 45678", **extra):
    return client.post("/dashboard/login/", {"phone": phone}, **extra)


def test_login_page_renders_phone_form(client, db):
    response = client.get("/dashboard/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="phone"' in html
    assert 'type="tel"' in html
    assert "csrfmiddlewaretoken" in html


def test_new_seller_signs_up_names_store_and_store_is_live(client, sms_log, db):
    response = _send(client)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login/verify/"
    page = client.get("/dashboard/login/verify/")
    assert PHONE in page.content.decode()

    response = client.post("/dashboard/login/verify/", {"otp": sms_log.code_for(PHONE)})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/stores/new/"
    assert User.objects.filter(phone=PHONE).exists()

    response = client.post("/dashboard/stores/new/", {"name": "Asha's Kitchen"})
    assert response.status_code == 302
    store = Store.objects.get()
    assert (store.slug, store.owner.phone, store.is_active) == ("ashas-kitchen", PHONE, True)
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert store.public_url in home.content.decode()


def test_known_seller_with_a_store_lands_on_the_dashboard(client, store, sms_log):
    _send(client, store.owner.phone)
    response = client.post("/dashboard/login/verify/", {"otp": sms_log.code_for(store.owner.phone)})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_known_seller_without_a_store_is_asked_to_name_one(client, seller, sms_log):
    _send(client, seller.phone)
    response = client.post("/dashboard/login/verify/", {"otp": sms_log.code_for(seller.phone)})
    assert response["Location"] == "/dashboard/stores/new/"


def test_login_returns_to_the_page_asked_for(client, store, sms_log):
    response = client.get(f"/dashboard/{store.slug}/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/?next=")
    client.get(response["Location"])
    _send(client, store.owner.phone)
    response = client.post("/dashboard/login/verify/", {"otp": sms_log.code_for(store.owner.phone)})
    assert response["Location"] == f"/dashboard/{store.slug}/settings/"


def test_next_pointing_off_site_is_ignored(client, store, sms_log):
    client.get("/dashboard/login/?next=https://evil.example/")
    _send(client, store.owner.phone)
    response = client.post("/dashboard/login/verify/", {"otp": sms_log.code_for(store.owner.phone)})
    assert response["Location"] == "/dashboard/"


def test_signing_in_by_sms_code_gives_a_new_session_id(client, sms_log, make_seller):
    make_seller(phone="+919811111111")
    client.post("/dashboard/login/", {"phone": "+919811111111"})
    before = client.cookies["sessionid"].value

    client.post("/dashboard/login/verify/", {"otp": sms_log.code_for("+919811111111")})

    assert client.cookies["sessionid"].value != before  # a planted session id is worthless


def test_same_answer_for_known_and_unknown_phone(client, make_seller, sms_log, db):
    make_seller("+919812345678")
    known = _send(client, "+919812345678")
    client.cookies.clear()
    unknown = _send(client, "+919812345679")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


@pytest.mark.parametrize("phone", ["abcdefghij", "12345", "9" * 40, "+91 55555 55555", ""])
def test_bad_phone_shows_an_error_and_sends_nothing(client, sms_log, db, phone):
    response = _send(client, phone)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert OtpChallenge.objects.count() == 0
    assert sms_log.lines() == []


def test_ten_digit_indian_number_without_country_code_works(client, sms_log, db):
    assert _send(client, "9812345678").status_code == 302
    assert OtpChallenge.objects.get().phone == PHONE


def test_verify_without_a_phone_in_the_session_goes_back_to_login(client, db):
    assert client.get("/dashboard/login/verify/")["Location"] == "/dashboard/login/"
    assert client.post("/dashboard/login/verify/", {"otp": "123456"})["Location"] == "/dashboard/login/"


def test_wrong_code_shows_attempts_left_and_does_not_log_in(client, sms_log, db):
    _send(client)
    code = sms_log.code_for(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post("/dashboard/login/verify/", {"otp": wrong})
    assert response.status_code == 400
    assert "4 attempts left" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 0


def test_sixth_attempt_on_the_page_is_refused_with_429(client, sms_log, db):
    _send(client)
    code = sms_log.code_for(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        client.post("/dashboard/login/verify/", {"otp": wrong})
    response = client.post("/dashboard/login/verify/", {"otp": code})
    assert response.status_code == 429
    assert "Ask for a new code" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_resend_too_soon_keeps_the_seller_on_the_code_page(client, sms_log, db):
    _send(client)
    response = client.post("/dashboard/login/", {"phone": PHONE, "resend": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/login/verify/"
    assert "You can ask for a new one in" in response.content.decode()
    assert OtpChallenge.objects.count() == 1


def test_throttled_request_from_login_page_is_429(client, sms_log, db):
    _send(client)
    client.cookies.clear()
    response = _send(client)
    assert response.status_code == 429
    assert "You can ask for a new one in" in response.content.decode()


def test_logout_needs_post(seller_web):
    assert seller_web.get("/dashboard/logout/").status_code == 405
    response = seller_web.post("/dashboard/logout/")
    assert response["Location"] == "/dashboard/login/"
    assert seller_web.get("/dashboard/")["Location"].startswith("/dashboard/login/")


def test_web_login_is_csrf_protected(db, sms_log):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.post("/dashboard/login/", {"phone": PHONE}).status_code == 403
    assert OtpChallenge.objects.count() == 0
