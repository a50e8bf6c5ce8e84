"""The provider interface: the HTTP provider against a loopback server, and the console line."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from notifications.backends import (
    ConsoleNotifyBackend,
    DeliveryError,
    HttpNotifyBackend,
    OutgoingMessage,
    get_backend,
)

MESSAGE = OutgoingMessage(
    to="+919876543210",
    event="order.placed",
    store="ashas-kitchen",
    order=1001,
    message="New order #1001",
    idempotency_key="ntf_abc",
)


def test_http_provider_posts_the_spec_json_with_bearer_token_and_idempotency_key(provider):
    answer = HttpNotifyBackend(url=provider.url, token="tok-1").send(MESSAGE)

    (call,) = provider.received
    assert call["path"] == "/v1/messages" and call["type"] == "application/json"
    assert call["auth"] == "Bearer tok-1"
    assert call["idempotency_header"] == "ntf_abc"
    assert call["body"] == {
        "to": "+919876543210",
        "event": "order.placed",
        "store": "ashas-kitchen",
        "order": 1001,
        "message": "New order #1001",
        "idempotency_key": "ntf_abc",
    }
    assert answer.status == 200 and "msg-1" in answer.body


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (429, True), (400, False)])
def test_http_provider_errors_say_whether_to_try_again(provider, status, retryable):
    provider.fail_next(1, status=status)
    with pytest.raises(DeliveryError) as raised:
        HttpNotifyBackend(url=provider.url, token="t").send(MESSAGE)
    assert raised.value.retryable is retryable and raised.value.status == status


def test_a_slow_provider_times_out_as_a_retryable_error(provider):
    provider.delay = 2
    with pytest.raises(DeliveryError) as raised:
        HttpNotifyBackend(url=provider.url, token="t", timeout=0.3).send(MESSAGE)
    assert raised.value.retryable and raised.value.status is None


def test_settings_choose_the_backend(settings, provider):
    settings.DUKAAN_NOTIFY_BACKEND = "http"
    settings.DUKAAN_NOTIFY_HTTP_URL = provider.url
    assert isinstance(get_backend(), HttpNotifyBackend)
    settings.DUKAAN_NOTIFY_HTTP_URL = ""
    with pytest.raises(ImproperlyConfigured, match="DUKAAN_NOTIFY_HTTP_URL"):
        get_backend()
    settings.DUKAAN_NOTIFY_BACKEND = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured, match="console, http"):
        get_backend()


def test_console_backend_writes_one_line(caplog):
    caplog.set_level(logging.WARNING, logger="dukaan.notify")
    ConsoleNotifyBackend().send(OutgoingMessage(**{**MESSAGE.__dict__, "message": "two\nlines"}))
    (record,) = [r for r in caplog.records if r.name == "dukaan.notify"]
    line = record.getMessage()
    assert "\n" not in line and "order.placed to +919876543210" in line and "two lines" in line
