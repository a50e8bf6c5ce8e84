"""SMS backends: the console line developers read, and the HTTP provider interface against a real server."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from stores import services
from stores.models import OtpChallenge
from stores.sms import ConsoleSmsBackend, HttpSmsBackend, SmsDeliveryError


def test_console_backend_writes_one_line_with_e164_phone_and_code(caplog):
    caplog.set_level(logging.WARNING, logger="dukaan.sms")
    ConsoleSmsBackend().send_otp("+919876543210", "042137")
    records = [r for r in caplog.records if r.name == "dukaan.sms"]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    line = records[0].getMessage()
    assert "\n" not in line
    assert line.startswith("OTP for +919876543210: 042137")


def test_console_backend_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    settings.DUKAAN_ALLOW_CONSOLE_SMS = False  # as dukaan/settings.py has it whenever DEBUG is off
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        ConsoleSmsBackend()


def test_misconfigured_backend_answers_503_logs_why_and_records_nothing(db, api_client, settings, caplog):
    settings.DEBUG = False
    settings.DUKAAN_ALLOW_CONSOLE_SMS = False
    response = api_client.post("/api/v1/auth/otp/request/", {"phone": "9876543210"}, format="json")
    assert response.status_code == 503
    assert "not available" in response.json()["detail"]
    assert any("ConsoleSmsBackend" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert OtpChallenge.objects.count() == 0


class _Provider:
    """A tiny SMS provider on loopback that records what it receives."""

    def __init__(self, status: int = 202) -> None:
        self.status = status
        self.received: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                outer.received.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization"),
                        "type": self.headers.get("Content-Type"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "msg-1"}')

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def test_http_backend_posts_json_with_bearer_token():
    with _Provider() as provider:
        HttpSmsBackend(url=provider.url, token="tok-123").send_otp("+919876543210", "123456")
    (call,) = provider.received
    assert call["path"] == "/v1/sms"
    assert call["auth"] == "Bearer tok-123"
    assert call["type"] == "application/json"
    assert call["body"]["to"] == "+919876543210"
    assert call["body"]["otp"] == "123456"
    assert call["body"]["message"].startswith("123456 is your Dukaan code")


def test_http_backend_is_chosen_by_settings_and_used_for_otp(db, settings, caplog):
    caplog.set_level(logging.INFO, logger="dukaan.sms")
    with _Provider() as provider:
        settings.DUKAAN_SMS_BACKEND = "stores.sms.HttpSmsBackend"
        settings.DUKAAN_SMS_HTTP_URL = provider.url
        settings.DUKAAN_SMS_HTTP_TOKEN = "secret-token"
        services.otp_request(phone="98765 43210", ip="127.0.0.1")
    (call,) = provider.received
    code = call["body"]["otp"]
    assert call["auth"] == "Bearer secret-token"
    # The code never reaches the log with the real provider.
    assert all(code not in r.getMessage() for r in caplog.records)
    assert services.otp_verify(phone="+919876543210", code=code).is_new


def test_http_backend_provider_error_is_a_delivery_error():
    with _Provider(status=500) as provider, pytest.raises(SmsDeliveryError, match="HTTP 500"):
        HttpSmsBackend(url=provider.url, token="t").send_otp("+919876543210", "123456")


def test_http_backend_unreachable_provider_is_a_delivery_error():
    with _Provider() as provider:
        url = provider.url
    # The server is shut down: nothing listens on that port any more.
    with pytest.raises(SmsDeliveryError, match="unreachable"):
        HttpSmsBackend(url=url, token="t", timeout=2).send_otp("+919876543210", "123456")


def test_http_backend_needs_an_http_url(settings):
    settings.DUKAAN_SMS_HTTP_URL = ""
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend()
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend(url="file:///etc/passwd")


def test_failed_delivery_answers_503_in_the_api(db, settings, api_client):
    with _Provider(status=503) as provider:
        settings.DUKAAN_SMS_BACKEND = "stores.sms.HttpSmsBackend"
        settings.DUKAAN_SMS_HTTP_URL = provider.url
        response = api_client.post("/api/v1/auth/otp/request/", {"phone": "9876543210"}, format="json")
    assert response.status_code == 503
    assert "could not send the SMS" in response.json()["detail"]
