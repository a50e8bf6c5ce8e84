"""The sign-in pages in Hindi (SPEC section 7, issue 14 item 11): before there is a seller.

They speak the visit's `?lang=en|hi`, kept from the phone page to the code page and on every form,
else the browser's language (a phone set to Hindi asks for hi-IN), else English. Every word shown
is read back with the dashboard's check (tests/stores/test_dashboard_hindi.py). A seller who signs
up on the Hindi page gets a Hindi dashboard; an existing seller's own choice is never changed.
"""

from __future__ import annotations

import re

import pytest

from stores import services
from stores.models import OtpChallenge, User
from tests.stores.test_dashboard_hindi import DEVANAGARI, _english_left

PHONE = "+919812345678"
HINDI_PHONE = {"HTTP_ACCEPT_LANGUAGE": "hi-IN,hi;q=0.9,en-US;q=0.8,en;q=0.7"}
ENGLISH_PHONE = {"HTTP_ACCEPT_LANGUAGE": "en-IN,en;q=0.9"}


def _html(response, status: int = 200) -> str:
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def _hindi(response, status: int = 200) -> str:
    html = _html(response, status)
    assert '<html lang="hi">' in html and response["Content-Language"] == "hi"
    assert DEVANAGARI.search(html)
    assert _english_left(html) == []
    return html


def _english(response, status: int = 200) -> str:
    html = _html(response, status)
    assert '<html lang="en">' in html and response["Content-Language"] == "en"
    assert not DEVANAGARI.search(html.replace("हिन्दी", ""))  # the switch names Hindi in Hindi
    return html


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- which language -------------------------------------------------------------------------


def test_a_phone_set_to_hindi_gets_the_login_page_in_hindi(client, db):
    response = client.get("/dashboard/login/", **HINDI_PHONE)
    html = _hindi(response)
    assert "Accept-Language" in response["Vary"]  # the answer depends on the header
    assert "<h1>Dukaan पर बेचें</h1>" in html and "मोबाइल नंबर" in html and ">कोड भेजें</button>" in html
    assert "<title>साइन इन · Dukaan</title>" in html
    assert 'action="/dashboard/login/"' in html  # nothing to carry: the header comes every time
    # The way back to English, named in English and read in an English voice.
    assert '<a href="/dashboard/login/?lang=en" lang="en" hreflang="en">English</a>' in html
    assert "?lang=hi" not in html


def test_lang_hi_gives_hindi_to_any_browser_and_the_form_keeps_it(client, db):
    html = _hindi(client.get("/dashboard/login/?lang=hi", **ENGLISH_PHONE))
    assert 'action="/dashboard/login/?lang=hi"' in html
    assert _hindi(client.get("/dashboard/login/?lang=hi"))


def test_english_by_default_with_a_link_to_hindi(client, db):
    html = _english(client.get("/dashboard/login/"))
    assert "Sell on Dukaan" in html and ">Send code</button>" in html and "Mobile number" in html
    assert '<a href="/dashboard/login/?lang=hi" lang="hi" hreflang="hi">हिन्दी</a>' in html
    # The dashboard's check sees an English page for what it is.
    assert "Sell on Dukaan" in _english_left(html)


def test_lang_en_wins_over_a_hindi_browser(client, db):
    html = _english(client.get("/dashboard/login/?lang=en", **HINDI_PHONE))
    assert "Sell on Dukaan" in html and 'action="/dashboard/login/?lang=en"' in html


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("hi", "hi"),
        ("HI-in", "hi"),
        ("en-GB,en;q=0.9,hi;q=0.8", "en"),
        ("hi;q=0.4,en;q=0.6", "en"),
        ("ta-IN,ta;q=0.9,hi;q=0.8", "hi"),  # the first language we speak
        ("ta-IN,mr;q=0.9", "en"),  # none we speak
        ("hi;q=0", "en"),  # "not Hindi"
        ("*,hi;q=0.5", "en"),  # anything will do, before Hindi
        ("not a header!", "en"),
        ("", "en"),
    ],
)
def test_the_browser_language_is_read_from_accept_language(client, db, header, lang):
    html = _html(client.get("/dashboard/login/", HTTP_ACCEPT_LANGUAGE=header))
    assert f'<html lang="{lang}">' in html


@pytest.mark.parametrize("bad", ["fr", "HI", "hi-IN", ""])
def test_a_lang_we_do_not_speak_is_ignored(client, db, bad):
    assert _hindi(client.get(f"/dashboard/login/?lang={bad}", **HINDI_PHONE))
    assert _english(client.get(f"/dashboard/login/?lang={bad}"))


# --- through the code page ------------------------------------------------------------------


def test_lang_is_kept_across_the_redirect_to_the_code_page(client, sms_log, db):
    response = client.post("/dashboard/login/?lang=hi", {"phone": "98123 45678"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login/verify/?lang=hi"
    page = client.get(response["Location"])
    html = _hindi(page)
    assert "कोड SMS से भेज दिया गया है।" in html  # the flash, written in the page's language
    assert f"हमने <strong>{PHONE}</strong> पर SMS से 6 अंकों का कोड भेजा है।" in html
    assert "<h1>कोड लिखें</h1>" in html and ">आगे बढ़ें</button>" in html
    # The code form, the resend form and the other-number link all stay in Hindi.
    assert 'action="/dashboard/login/verify/?lang=hi"' in html
    assert html.count('action="/dashboard/login/?lang=hi"') == 1
    assert '<a href="/dashboard/login/?lang=hi">दूसरा नंबर इस्तेमाल करें</a>' in html


def test_the_code_page_follows_a_hindi_browser(client, sms_log, db):
    response = client.post("/dashboard/login/", {"phone": "98123 45678"}, **HINDI_PHONE)
    assert response["Location"] == "/dashboard/login/verify/"
    html = _hindi(client.get(response["Location"], **HINDI_PHONE))
    assert "कोड SMS से भेज दिया गया है।" in html and "नया कोड भेजें" in html


def test_the_code_page_without_a_phone_goes_back_keeping_lang(client, db):
    assert client.get("/dashboard/login/verify/?lang=hi")["Location"] == "/dashboard/login/?lang=hi"


def test_lang_en_is_kept_too(client, sms_log, db):
    response = client.post("/dashboard/login/?lang=en", {"phone": "98123 45678"}, **HINDI_PHONE)
    assert response["Location"] == "/dashboard/login/verify/?lang=en"
    html = _english(client.get(response["Location"], **HINDI_PHONE))
    assert "Code sent by SMS." in html and "Enter the code" in html


# --- refusals in Hindi ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("12345", "यह अपने देश के लिए सही मोबाइल नंबर नहीं है।"),
        ("abcdefghij", "सही मोबाइल नंबर लिखें, जैसे 98765 43210।"),
        ("9" * 40, "सही मोबाइल नंबर लिखें, जैसे 98765 43210।"),
        ("+91 55555 55555", "यह अपने देश के लिए सही मोबाइल नंबर नहीं है।"),
    ],
)
def test_a_bad_phone_is_refused_in_hindi(client, sms_log, db, phone, message):
    html = _hindi(client.post("/dashboard/login/?lang=hi", {"phone": phone}), status=400)
    assert message in html and 'role="alert"' in html
    assert OtpChallenge.objects.count() == 0


def test_an_empty_phone_or_code_is_refused_in_hindi(client, sms_log, db):
    html = _hindi(client.post("/dashboard/login/", {"phone": ""}, **HINDI_PHONE), status=400)
    assert "<li>अपना मोबाइल नंबर लिखें।</li>" in html
    client.post("/dashboard/login/", {"phone": PHONE}, **HINDI_PHONE)
    html = _hindi(client.post("/dashboard/login/verify/", {"otp": ""}, **HINDI_PHONE), status=400)
    assert "<li>SMS में आया 6 अंकों का कोड लिखें।</li>" in html


def test_a_wrong_code_is_refused_in_hindi_with_the_attempts_left(client, sms_log, db):
    client.post("/dashboard/login/?lang=hi", {"phone": PHONE})
    wrong = _wrong(sms_log.code_for(PHONE))
    html = _hindi(client.post("/dashboard/login/verify/?lang=hi", {"otp": wrong}), status=400)
    assert "गलत कोड। 4 कोशिशें बाकी हैं।" in html
    for _ in range(3):
        response = client.post("/dashboard/login/verify/?lang=hi", {"otp": wrong})
    assert "गलत कोड। 1 कोशिश बाकी है।" in _hindi(response, status=400)
    last = _hindi(client.post("/dashboard/login/verify/?lang=hi", {"otp": wrong}), status=400)
    assert "गलत कोड। अब कोई कोशिश बाकी नहीं: नया कोड माँगें।" in last
    locked = client.post("/dashboard/login/verify/?lang=hi", {"otp": sms_log.code_for(PHONE)})
    assert "बहुत बार गलत कोड लिखा गया। नया कोड माँगें।" in _hindi(locked, status=429)
    assert "_auth_user_id" not in client.session


def test_a_malformed_code_is_refused_in_hindi(client, sms_log, db):
    client.post("/dashboard/login/", {"phone": PHONE}, **HINDI_PHONE)
    response = client.post("/dashboard/login/verify/", {"otp": "12ab"}, **HINDI_PHONE)
    assert "SMS में आया 6 अंकों का कोड लिखें।" in _hindi(response, status=400)


def test_the_waits_are_said_in_hindi(client, sms_log, db):
    client.post("/dashboard/login/?lang=hi", {"phone": PHONE})
    # Asking again too soon from the code page: back to it, with the wait in seconds.
    again = client.post("/dashboard/login/?lang=hi", {"phone": PHONE, "resend": "1"}, follow=True)
    assert again.redirect_chain[-1][0] == "/dashboard/login/verify/?lang=hi"
    assert re.search(r"कोड अभी-अभी भेजा गया है। नया कोड आप \d+ सेकंड बाद माँग सकते हैं।", _hindi(again))
    # From the phone page: a 429 on the phone page itself.
    client.cookies.clear()
    refused = client.post("/dashboard/login/", {"phone": PHONE}, **HINDI_PHONE)
    assert "सेकंड बाद माँग सकते हैं।" in _hindi(refused, status=429)


def test_the_hourly_limits_are_said_in_hindi(client, sms_log, no_cooldown, db):
    no_cooldown.DUKAAN_OTP_MAX_SENDS_PER_PHONE_PER_HOUR = 1
    no_cooldown.DUKAAN_OTP_MAX_SENDS_PER_IP_PER_HOUR = 2
    client.post("/dashboard/login/?lang=hi", {"phone": PHONE})
    phone = _hindi(client.post("/dashboard/login/?lang=hi", {"phone": PHONE}), status=429)
    assert "इस नंबर पर बहुत ज़्यादा कोड भेजे जा चुके हैं। 60 मिनट बाद फिर कोशिश करें।" in phone
    client.post("/dashboard/login/?lang=hi", {"phone": "+919812345679"})
    network = _hindi(client.post("/dashboard/login/?lang=hi", {"phone": "+919812345670"}), status=429)
    assert "आपके नेटवर्क से बहुत ज़्यादा कोड माँगे गए हैं। 60 मिनट बाद फिर कोशिश करें।" in network


def test_sms_out_of_order_is_said_in_hindi(client, settings, db):
    settings.DUKAAN_SMS_BACKEND = "stores.sms.HttpSmsBackend"
    settings.DUKAAN_SMS_HTTP_URL = ""  # misconfigured: nothing can be sent
    response = client.post("/dashboard/login/", {"phone": PHONE}, **HINDI_PHONE)
    html = _hindi(response, status=503)
    assert "अभी SMS से साइन इन नहीं हो पा रहा है। कृपया थोड़ी देर बाद फिर कोशिश करें।" in html


def test_the_english_refusals_stay_english(client, sms_log, db):
    client.post("/dashboard/login/?lang=en", {"phone": PHONE}, **HINDI_PHONE)
    wrong = _wrong(sms_log.code_for(PHONE))
    response = client.post("/dashboard/login/verify/?lang=en", {"otp": wrong}, **HINDI_PHONE)
    assert "Wrong code. 4 attempts left." in _english(response, status=400)


# --- the new seller's language, and an existing seller's ------------------------------------


@pytest.mark.parametrize(("query", "headers"), [("?lang=hi", ENGLISH_PHONE), ("", HINDI_PHONE)])
def test_a_new_seller_who_signs_up_in_hindi_gets_a_hindi_dashboard(client, sms_log, db, query, headers):
    client.post(f"/dashboard/login/{query}", {"phone": PHONE}, **headers)
    response = client.post(f"/dashboard/login/verify/{query}", {"otp": sms_log.code_for(PHONE)}, **headers)
    assert response["Location"] == "/dashboard/stores/new/"
    assert User.objects.get(phone=PHONE).language == "hi"
    # From here on the seller's own choice speaks, whatever the browser says.
    new_store = client.get(response["Location"], **ENGLISH_PHONE)
    html = _html(new_store)
    assert '<html lang="hi">' in html and _english_left(html) == []


def test_a_new_seller_on_the_english_page_gets_english(client, sms_log, db):
    client.post("/dashboard/login/", {"phone": PHONE})
    client.post("/dashboard/login/verify/", {"otp": sms_log.code_for(PHONE)})
    assert User.objects.get(phone=PHONE).language == "en"


def test_an_english_seller_signing_in_on_the_hindi_page_stays_english(client, store, sms_log):
    phone = store.owner.phone
    client.post("/dashboard/login/?lang=hi", {"phone": phone})
    response = client.post("/dashboard/login/verify/?lang=hi", {"otp": sms_log.code_for(phone)})
    assert response["Location"] == "/dashboard/"
    store.owner.refresh_from_db()
    assert store.owner.language == "en"
    home = _html(client.get("/dashboard/", **HINDI_PHONE))
    assert '<html lang="en">' in home


def test_a_hindi_seller_signing_in_on_the_english_page_stays_hindi(client, seller, sms_log):
    seller.language = "hi"
    seller.save(update_fields=["language"])
    client.post("/dashboard/login/?lang=en", {"phone": seller.phone})
    client.post("/dashboard/login/verify/?lang=en", {"otp": sms_log.code_for(seller.phone)})
    seller.refresh_from_db()
    assert seller.language == "hi"


def test_the_service_starts_a_new_account_in_a_language_we_speak_only(sms_log, db):
    for phone, language, expected in [(PHONE, "xx", "en"), ("+919812345679", "hi", "hi")]:
        services.otp_request(phone=phone, ip=None)
        result = services.otp_verify(phone=phone, code=sms_log.code_for(phone), language=language)
        assert result.is_new and result.user.language == expected


# --- signing out ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seller_language", "headers", "location"),
    [
        ("hi", ENGLISH_PHONE, "/dashboard/login/?lang=hi"),  # the browser would pick English
        ("hi", HINDI_PHONE, "/dashboard/login/"),
        ("en", HINDI_PHONE, "/dashboard/login/?lang=en"),
        ("en", ENGLISH_PHONE, "/dashboard/login/"),
    ],
)
def test_signing_out_goes_on_in_the_sellers_language(seller_web, seller, seller_language, headers, location):
    seller.language = seller_language
    seller.save(update_fields=["language"])
    response = seller_web.post("/dashboard/logout/", **headers)
    assert response["Location"] == location
    page = seller_web.get(location, **headers)
    if seller_language == "hi":
        assert "आप साइन आउट हो गए हैं।" in _hindi(page)
    else:
        assert "You are signed out." in _english(page)
