"""The storefront's early path (catalogue/fast_path.py): a stored answer for an anonymous visitor, served
before most of the middleware, is the full stack's answer byte for byte and header for header; anyone
with something of their own (a session, a pin, a token, any cookie but the cart badge's) and anything
the page cache cannot answer goes the full way."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client, override_settings

from catalogue import cache as catalogue_cache
from catalogue import fast_path
from checkout.cart import COUNT_COOKIE_PREFIX
from dukaan.http import edge_cache
from products.models import Product

REQUEST_ID = "early-path-test-1"


@pytest.fixture(autouse=True)
def clean_cache(monkeypatch):
    caches["default"].clear()
    catalogue_cache.stats.reset()
    fast_path.stats.reset()
    # Both paths stamp X-Accel-Expires with the current second: one second for the comparison.
    monkeypatch.setattr(edge_cache, "nginx_expiry", lambda: "@1800000000")
    yield


@pytest.fixture(params=["validate_hits", "trust_invalidator"])
def hit_mode(request, settings):
    """Both ways a hit is judged: against the change log (no invalidator), or trusted (production)."""
    settings.CATALOGUE_CACHE_VALIDATE_HITS = request.param == "validate_hits"
    return request.param


@pytest.fixture
def shop(store, make_product, make_category):
    category = make_category(store, name="Tea")
    products = [
        make_product(store, name=f"Chai {i:02d}", price=str(100 + i), category=category if i % 2 else None)
        for i in range(30)
    ]
    return store, products, category


def _fetch(client: Client, method: str, url: str, **headers):
    headers.setdefault("HTTP_X_REQUEST_ID", REQUEST_ID)
    return getattr(client, method.lower())(url, **headers)


def _answer(response) -> tuple:
    """Everything a client receives: status, every header in order, cookies, the bytes."""
    return (response.status_code, list(response.items()), dict(response.cookies.items()), response.content)


def _full_and_early(method: str, url: str, cookies: dict | None = None, **headers) -> tuple[tuple, tuple]:
    """The same request through the full stack and through the early path, after a first visit
    that rendered and stored the answer."""
    client = Client()
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    assert _fetch(client, "GET", url, **{k: v for k, v in headers.items() if k != "HTTP_IF_NONE_MATCH"})
    with override_settings(DUKAAN_STOREFRONT_EARLY_PATH=False):
        served = fast_path.stats.served
        full = _fetch(client, method, url, **headers)
        assert fast_path.stats.served == served
    served = fast_path.stats.served
    early = _fetch(client, method, url, **headers)
    assert fast_path.stats.served == served + 1, f"{method} {url} was not answered early"
    return _answer(full), _answer(early)


def _urls(store, products, category) -> list[str]:
    product = products[3]
    return [
        f"/{store.slug}/",
        f"/{store.slug}/?sort=price_asc&page=2",
        f"/{store.slug}/?category={category.id}&utm_source=whatsapp",
        f"/{store.slug}/?q=chai",
        f"/{store.slug}/?lang=hi",
        f"/{store.slug}/p/{product.id}/",
        f"/{store.slug}/p/{product.id}/?lang=hi",
        f"/api/v1/stores/{store.slug}/catalog/",
    ]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_stored_answer_is_the_full_stacks_byte_for_byte_and_header_for_header(shop, hit_mode, method):
    for url in _urls(*shop):
        full, early = _full_and_early(method, url)
        assert early == full, url
        status, headers, cookies, _ = early
        assert status == 200 and cookies == {}
        names = [name for name, _ in headers]
        for name in ("ETag", "Cache-Control", "X-Accel-Expires", "Content-Length", "X-Frame-Options",
                     "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                     "X-Request-ID"):  # fmt: skip
            assert name in names, (url, name)
        assert dict(headers)["X-Request-ID"] == REQUEST_ID
        assert dict(headers)["Cache-Control"].startswith("public, max-age=0, s-maxage=1")


def test_a_matching_if_none_match_is_the_full_stacks_304(shop, hit_mode):
    for url in _urls(*shop):
        etag = Client().get(url)["ETag"]
        full, early = _full_and_early("GET", url, HTTP_IF_NONE_MATCH=etag)
        assert early == full, url
        assert early[0] == 304 and early[3] == b""
        assert dict(early[1])["ETag"] == etag


def test_the_hindi_variant_is_its_own_stored_answer(shop, hit_mode):
    store, products, _ = shop
    for url in (f"/{store.slug}/", f"/{store.slug}/p/{products[0].id}/"):
        english = _full_and_early("GET", url)[1]
        full, hindi = _full_and_early("GET", f"{url}?lang=hi")
        assert hindi == full
        assert '<html lang="hi">' in hindi[3].decode() and '<html lang="en">' in english[3].decode()
        assert dict(hindi[1])["ETag"] != dict(english[1])["ETag"]


def test_the_cart_badge_cookie_is_still_a_shared_answer(shop):
    store, _, _ = shop
    cookies = {f"{COUNT_COOKIE_PREFIX}{store.id}": "3"}
    full, early = _full_and_early("GET", f"/{store.slug}/", cookies=cookies)
    assert early == full
    assert dict(early[1])["Cache-Control"].startswith("public")


def test_the_cart_cookie_name_is_the_one_checkout_sets():
    assert fast_path.CART_COOKIE_PREFIX == COUNT_COOKIE_PREFIX


def _goes_the_full_way(client: Client, url: str, **headers):
    client.get(url)  # the answer is stored
    served = fast_path.stats.served
    response = client.get(url, **headers)
    assert fast_path.stats.served == served, f"{url} {headers} was answered early"
    return response


def test_a_signed_in_seller_never_gets_a_stored_copy(shop, seller, make_product):
    store, _, _ = shop
    url = f"/{store.slug}/"
    Client().get(url)  # stored for the crowd
    client = Client()
    client.force_login(seller)
    served = fast_path.stats.served
    response = client.get(url)
    assert fast_path.stats.served == served
    assert response["Cache-Control"] == "private, no-cache"
    assert "X-Accel-Expires" not in response


def test_a_session_a_pin_a_token_or_any_other_cookie_goes_the_full_way(shop):
    store, _, _ = shop
    url, api = f"/{store.slug}/", f"/api/v1/stores/{store.slug}/catalog/"
    for name in (django_settings.SESSION_COOKIE_NAME, "dukaan_rw"):
        client = Client()
        client.cookies[name] = "anything"
        response = _goes_the_full_way(client, url)
        assert response["Cache-Control"] == "private, no-cache", name
    tokened = _goes_the_full_way(Client(), api, HTTP_AUTHORIZATION="Token abc")
    assert tokened.status_code == 200 and tokened["Cache-Control"] == "private, no-cache"
    for name in ("csrftoken", "messages", "_ga"):
        client = Client()
        client.cookies[name] = "x"
        assert _goes_the_full_way(client, url).status_code == 200, name


def test_what_the_full_stack_refuses_goes_the_full_way(shop):
    store, _, _ = shop
    url = f"/{store.slug}/"
    assert _goes_the_full_way(Client(), url, HTTP_HOST="evil.example").status_code == 400
    assert _goes_the_full_way(Client(), url, CONTENT_TYPE="text/plain; charset=utf-7").status_code == 400
    api = f"/api/v1/stores/{store.slug}/catalog/"
    assert _goes_the_full_way(Client(), api, HTTP_ACCEPT="text/html").status_code == 406
    assert _goes_the_full_way(Client(), f"{api}?format=xml").status_code == 404
    assert Client().post(url).status_code == 405


def test_a_miss_an_unknown_store_and_a_changed_catalogue_go_the_full_way(shop, hit_mode):
    store, products, _ = shop
    url = f"/{store.slug}/p/{products[0].id}/"
    client = Client()
    assert client.get(url).status_code == 200 and fast_path.stats.served == 0  # rendered: a miss
    assert client.get(url).status_code == 200 and fast_path.stats.served == 1
    assert client.get("/no-such-store/").status_code == 404
    assert client.get(f"/{store.slug}/p/999999999/").status_code == 404
    assert fast_path.stats.served == 1
    Product.objects.filter(pk=products[0].pk).update(price=Decimal("90.00"))
    if hit_mode == "trust_invalidator":  # what the invalidator does
        caches["default"].delete_many(
            [catalogue_cache.catalogue_key(store.id), catalogue_cache.head_key(store.id)]
        )
    changed = client.get(url)
    assert "₹90" in changed.content.decode() and fast_path.stats.served == 1


def test_the_early_path_can_be_switched_off_and_is_off_in_debug(shop, settings):
    store, _, _ = shop
    url = f"/{store.slug}/"
    settings.DUKAAN_STOREFRONT_EARLY_PATH = False
    assert _goes_the_full_way(Client(), url).status_code == 200
    settings.DUKAAN_STOREFRONT_EARLY_PATH = True
    settings.DEBUG = True
    assert _goes_the_full_way(Client(), url).status_code == 200


def test_it_switches_itself_off_when_the_middleware_after_it_changes(shop, settings, caplog):
    store, _, _ = shop
    path = "catalogue.fast_path.StorefrontFastPathMiddleware"
    assert list(django_settings.MIDDLEWARE).count(path) == 1
    following = list(django_settings.MIDDLEWARE[django_settings.MIDDLEWARE.index(path) + 1 :])
    assert tuple(following) == fast_path.FOLLOWING  # the production list is the one it stands in for
    settings.MIDDLEWARE = [m for m in django_settings.MIDDLEWARE if "clickjacking" not in m]
    with caplog.at_level(logging.WARNING, logger="dukaan.fast_path"):
        response = _goes_the_full_way(Client(), f"/{store.slug}/")
    assert response.status_code == 200
    assert "storefront early path off" in caplog.text
