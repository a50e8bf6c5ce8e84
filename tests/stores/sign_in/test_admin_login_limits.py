"""Password guessing on /admin/login/: failed sign-ins are limited per account and per client
network, and while locked out even the right password does not open the admin (issue 13)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from stores.models import User

ADMIN_PHONE = "+919812345678"
ADMIN_PASSWORD = "a-long-admin-password-123"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def login_limits(settings, rate_limit_clock_mid_window):
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("ratelimit:*")
    else:
        cache.clear()
    settings.DUKAAN_ADMIN_LOGIN_WINDOW_SECONDS = 900
    settings.DUKAAN_ADMIN_LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.DUKAAN_ADMIN_LOGIN_FAILURES_PER_IP = 20
    return settings


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(phone=ADMIN_PHONE, password=ADMIN_PASSWORD)


def _try(client, password: str, username: str = ADMIN_PHONE, ip: str = "198.51.100.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_after_five_wrong_passwords_the_right_one_is_refused_too(client, superuser):
    wrong = [_try(client, f"guess-{i}").status_code for i in range(5)]
    assert wrong == [200] * 5  # the form again, "Please enter the correct phone and password"
    locked = _try(client, ADMIN_PASSWORD)
    assert locked.status_code == 429
    assert re.search(r"Too many failed sign-ins\. Try again in \d+ minutes?\.", locked.content.decode())
    assert 0 < int(locked["Retry-After"]) <= 901
    assert client.get("/admin/").status_code == 302, "not signed in"


def test_the_lock_is_per_account_whatever_the_network_or_spelling(client, superuser):
    for i in range(5):
        _try(client, f"guess-{i}", ip=f"203.0.113.{i}")
    # The same phone spelled as a seller types it, from yet another network.
    assert _try(client, ADMIN_PASSWORD, username="98123 45678", ip="203.0.113.99").status_code == 429


def test_one_network_guessing_many_accounts_is_limited(client, superuser, make_seller):
    for i in range(20):
        _try(client, "password", username=f"+9198000000{i:02d}")
    assert _try(client, ADMIN_PASSWORD).status_code == 429
    # The admin on another network is not locked out by that guesser.
    other = client.__class__()
    assert _try(other, ADMIN_PASSWORD, ip="203.0.113.8").status_code == 302


def test_right_passwords_and_page_loads_are_never_counted(client, superuser):
    for _ in range(8):
        assert client.get(LOGIN, REMOTE_ADDR="198.51.100.7").status_code in (200, 302)
    for _ in range(6):
        fresh = client.__class__()
        assert _try(fresh, ADMIN_PASSWORD).status_code == 302
