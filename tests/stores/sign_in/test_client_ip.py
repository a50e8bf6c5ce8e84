"""Which address per-IP limits count: X-Forwarded-For only from our own proxies, and only its last hop."""

from __future__ import annotations

from django.test import RequestFactory

from dukaan.http.client_ip import client_ip


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **extra)


def test_direct_client_is_its_remote_addr(settings):
    settings.DUKAAN_TRUSTED_PROXY_IPS = ["10.0.0.2"]
    assert client_ip(_request("198.51.100.7")) == "198.51.100.7"


def test_forwarded_header_from_an_untrusted_peer_is_ignored(settings):
    settings.DUKAAN_TRUSTED_PROXY_IPS = ["10.0.0.2"]
    assert client_ip(_request("198.51.100.7", "1.2.3.4")) == "198.51.100.7"


def test_trusted_proxy_gives_the_last_hop(settings):
    settings.DUKAAN_TRUSTED_PROXY_IPS = ["10.0.0.2"]
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("10.0.0.2", " 2001:db8::1 ")) == "2001:db8::1"


def test_trusted_proxy_with_garbage_header_falls_back_to_the_proxy(settings):
    settings.DUKAAN_TRUSTED_PROXY_IPS = ["10.0.0.2"]
    assert client_ip(_request("10.0.0.2", "not-an-ip")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", "")) == "10.0.0.2"


def test_missing_remote_addr_is_none():
    assert client_ip(_request("")) is None
