"""POST /api/v1/auth/otp/request/ and /verify/, as the seller app calls them."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from stores.models import OtpChallenge, User

REQUEST = "/api/v1/auth/otp/request/"
VERIFY = "/api/v1/auth/otp/verify/"
PHONE = "+919812345678"


def _request(client, phone=PHONE, **extra):
    return client.post(REQUEST, {"phone": phone}, format="json", **extra)


def test_request_answers_202_and_logs_the_code(api_client, sms_log, db):
    response = _request(api_client, "98123 45678")
    assert response.status_code == 202
    assert response.json()["expires_in"] == 300
    assert len(sms_log.code_for(PHONE)) == 6


def test_request_answer_is_identical_for_known_and_unknown_phones(api_client, make_seller, sms_log, db):
    make_seller("+919812345678")
    known = _request(api_client, "+919812345678")
    unknown = _request(api_client, "+919812345679")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "abcdefghij"},
        {"phone": "98765"},
        {"phone": "9" * 40},
        {"phone": "+1 555 0100"},
        {"phone": "+91 55555 55555"},
        {"phone": "+1 212 000 0000"},
        {"phone": "+91 98765 432101"},
        {"phone": ""},
        {"phone": None},
        {"phone": ["9876543210"]},
        {"phone": {"n": 1}},
        {},
        {"phone": "9876543210", "extra": 1},
    ],
)
def test_request_with_bad_body_is_400_and_records_nothing(api_client, sms_log, db, body):
    response = api_client.post(REQUEST, body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert OtpChallenge.objects.count() == 0
    assert sms_log.lines() == []


@pytest.mark.parametrize("raw", [b"[1,2]", b'"9876543210"', b"{not json", b"null", b"1" * 5000])
def test_request_with_malformed_json_is_400(api_client, db, raw):
    response = api_client.generic("POST", REQUEST, raw, content_type="application/json")
    assert response.status_code == 400
    assert OtpChallenge.objects.count() == 0


def test_bad_phone_message_says_what_to_type(api_client, db):
    assert _request(api_client, "98765abcde").json() == {
        "phone": ["Enter a valid mobile number, e.g. 98765 43210."]
    }
    assert _request(api_client, "+91 55555 55555").json() == {
        "phone": ["This is not a valid mobile number for its country."]
    }


def test_second_request_within_cooldown_is_429_with_retry_after(api_client, sms_log, db):
    assert _request(api_client).status_code == 202
    response = _request(api_client)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "seconds" in response.json()["detail"]
    assert OtpChallenge.objects.count() == 1


def test_sixth_code_in_an_hour_for_one_phone_is_429(api_client, sms_log, no_cooldown, db):
    for _ in range(5):
        assert _request(api_client).status_code == 202
    response = _request(api_client)
    assert response.status_code == 429
    assert "Too many codes" in response.json()["detail"]
    assert OtpChallenge.objects.count() == 5


def test_twenty_first_request_from_one_ip_is_429_but_other_ips_still_work(api_client, sms_log, db):
    for n in range(20):
        assert _request(api_client, f"+9198000{n:05d}", REMOTE_ADDR="203.0.113.9").status_code == 202
    assert _request(api_client, "+919800099999", REMOTE_ADDR="203.0.113.9").status_code == 429
    assert _request(api_client, "+919800099999", REMOTE_ADDR="203.0.113.10").status_code == 202
    assert OtpChallenge.objects.count() == 21


def test_ip_limit_counts_the_client_behind_our_proxy_not_the_proxy(api_client, sms_log, settings, db):
    settings.DUKAAN_TRUSTED_PROXY_IPS = ["10.1.1.1"]
    for n in range(20):
        r = _request(
            api_client, f"+9198000{n:05d}", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="198.51.100.1"
        )
        assert r.status_code == 202
    blocked = _request(
        api_client, "+919800099998", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert blocked.status_code == 429
    # Another shopper behind the same proxy is not blocked; a forged first hop does not help.
    other = _request(
        api_client, "+919800099999", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.2"
    )
    assert other.status_code == 202
    assert OtpChallenge.objects.filter(requested_ip="198.51.100.2").count() == 1


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


def test_verify_right_code_returns_token_and_is_new(api_client, sms_log, db):
    _request(api_client)
    response = api_client.post(VERIFY, {"phone": PHONE, "otp": sms_log.code_for(PHONE)}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["is_new"] is True
    user = User.objects.get(phone=PHONE)
    assert Token.objects.get(user=user).key == body["token"]
    me = api_client.get("/api/v1/stores/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert me.status_code == 200


def test_verify_known_seller_is_not_new(api_client, seller, sms_log, db):
    _request(api_client, seller.phone)
    body = api_client.post(
        VERIFY, {"phone": "9876543210", "otp": sms_log.code_for(seller.phone)}, format="json"
    ).json()
    assert body["is_new"] is False
    assert body["token"] == Token.objects.get(user=seller).key


def test_verify_wrong_code_is_400_and_creates_no_user(api_client, sms_log, db):
    _request(api_client)
    code = sms_log.code_for(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = api_client.post(VERIFY, {"phone": PHONE, "otp": wrong}, format="json")
    assert response.status_code == 400
    assert response.json() == {"otp": ["Wrong code. 4 attempts left."]}
    assert User.objects.count() == 0
    assert Token.objects.count() == 0


def test_sixth_attempt_is_429_even_with_the_right_code(api_client, sms_log, db):
    _request(api_client)
    code = sms_log.code_for(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = [
        api_client.post(VERIFY, {"phone": PHONE, "otp": wrong}, format="json").status_code for _ in range(5)
    ]
    assert statuses == [400] * 5
    response = api_client.post(VERIFY, {"phone": PHONE, "otp": code}, format="json")
    assert response.status_code == 429
    assert "new code" in response.json()["detail"]
    assert User.objects.count() == 0


def test_reused_code_is_400(api_client, sms_log, db):
    _request(api_client)
    body = {"phone": PHONE, "otp": sms_log.code_for(PHONE)}
    assert api_client.post(VERIFY, body, format="json").status_code == 200
    response = api_client.post(VERIFY, body, format="json")
    assert response.status_code == 400
    assert "already used" in response.json()["otp"][0]


def test_expired_code_is_400(api_client, sms_log, db):
    _request(api_client)
    # Five minutes pass: move the challenge into the past rather than sleeping.
    challenge = OtpChallenge.objects.get()
    OtpChallenge.objects.filter(pk=challenge.pk).update(expires_at=challenge.created_at)
    response = api_client.post(VERIFY, {"phone": PHONE, "otp": sms_log.code_for(PHONE)}, format="json")
    assert response.status_code == 400
    assert "expired" in response.json()["otp"][0]
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"phone": PHONE},
        {"otp": "123456"},
        {"phone": PHONE, "otp": ""},
        {"phone": PHONE, "otp": "12ab56"},
        {"phone": PHONE, "otp": ["123456"]},
        {"phone": PHONE, "otp": "1" * 10_000},
        {"phone": "letters", "otp": "123456"},
        {"phone": PHONE, "otp": None},
    ],
)
def test_verify_with_bad_body_is_400_and_uses_no_attempt(api_client, sms_log, db, body):
    _request(api_client)
    response = api_client.post(VERIFY, body, format="json")
    assert response.status_code == 400
    assert OtpChallenge.objects.get().attempts == 0
    assert User.objects.count() == 0


def test_api_accepts_form_encoded_bodies_too(api_client, sms_log, db):
    assert api_client.post(REQUEST, {"phone": PHONE}).status_code == 202
    response = api_client.post(VERIFY, {"phone": PHONE, "otp": sms_log.code_for(PHONE)})
    assert response.status_code == 200


def test_get_on_otp_endpoints_is_405(api_client, db):
    assert api_client.get(REQUEST).status_code == 405
    assert api_client.get(VERIFY).status_code == 405
