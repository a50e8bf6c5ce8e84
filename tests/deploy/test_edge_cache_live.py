"""The nginx micro-cache in front of real app servers: what it keeps, what it never keeps, and what it
does when the app servers are slow, full or gone. Counts answers and headers; asserts no latency."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

from tests.deploy.live import call, stack

pytestmark = pytest.mark.integration

STORE = "/demo-kirana/"


@pytest.fixture(scope="session")
def seeded(live_env) -> dict[str, str]:
    """The demo store in the live servers' database, its seller's API token and a signed-in session."""
    stack.manage(live_env, "seed_demo")
    out = stack.manage(
        live_env,
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY;"
        "from django.contrib.sessions.backends.db import SessionStore;"
        "from rest_framework.authtoken.models import Token;"
        "from stores.models import Store;"
        "store = Store.objects.get(slug='demo-kirana'); user = store.owner;"
        "token, _ = Token.objects.get_or_create(user=user);"
        "s = SessionStore(); s[SESSION_KEY] = str(user.pk);"
        "s[BACKEND_SESSION_KEY] = 'stores.backends.OtpSignInBackend';"
        "s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create();"
        "print(token.key, s.session_key)",
    ).stdout.split()
    return {"token": out[-2], "session": out[-1]}


def _product_price(body: bytes, product_id: int) -> str | None:
    match = re.search(rf'data-product-id="{product_id}".*?<strong>([^<]+)</strong>', body.decode(), re.S)
    return match.group(1) if match else None


def _first_product(nginx) -> dict:
    catalogue = call(nginx.port, f"/api/v1/stores{STORE}catalog/")
    return json.loads(catalogue.body)["products"][0]


def test_a_crowd_on_one_page_is_answered_from_the_cache(seeded, shared_pair, start_nginx):
    nginx = start_nginx(shared_pair)
    first = call(nginx.port, STORE)
    assert first.status == 200 and first.headers["x-cache-status"] in {"MISS", "EXPIRED"}
    replies = [call(nginx.port, STORE) for _ in range(20)]
    statuses = [r.headers["x-cache-status"] for r in replies]
    assert statuses.count("HIT") >= 15, statuses
    assert all(r.body == first.body for r in replies if r.headers["x-cache-status"] == "HIT")
    # A browser that has the page revalidates it: a 304 from nginx, no body. The shared app pair
    # may still be rebuilding this store's catalogue after an earlier test's write (a new version
    # is a new ETag, rightly a 200): then the browser holds that copy, and revalidates it.
    etag = replies[-1].headers["etag"]
    for _attempt in range(3):
        revalidated = call(nginx.port, STORE, headers={"If-None-Match": etag})
        if revalidated.status != 200 or revalidated.headers["etag"] == etag:
            break
        etag = revalidated.headers["etag"]
    assert revalidated.status == 304 and revalidated.body == b"", (revalidated.status, revalidated.headers)
    # nginx's own expiry header stays between nginx and the app.
    assert "x-accel-expires" not in first.headers


def test_unknown_query_parameters_do_not_split_the_cache_and_known_ones_do(seeded, shared_pair, start_nginx):
    nginx = start_nginx(shared_pair)
    call(nginx.port, STORE + "?sort=price_asc")
    tagged = call(nginx.port, STORE + "?utm_source=whatsapp&sort=price_asc&fbclid=x1")
    assert tagged.headers["x-cache-status"] == "HIT"
    other = call(nginx.port, STORE + "?sort=price_desc")
    assert other.headers["x-cache-status"] in {"MISS", "EXPIRED"}


def test_a_shared_copy_never_carries_another_visitors_cart_session_or_csrf_token(
    seeded, shared_pair, start_nginx
):
    nginx = start_nginx(shared_pair)
    product = _first_product(nginx)
    added = call(
        nginx.port,
        f"{STORE}cart/add/",
        method="POST",
        body=f"product={product['id']}&quantity=2".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert added.status == 302
    session = re.search(r"sessionid=([^;]+)", added.headers["set-cookie"]).group(1)
    mine = call(nginx.port, STORE, headers={"Cookie": f"sessionid={session}; dukaan_cart_1=2"})
    assert mine.headers["x-cache-status"] == "BYPASS"
    theirs = [call(nginx.port, STORE) for _ in range(3)]
    for reply in theirs:
        assert "set-cookie" not in reply.headers
        assert session.encode() not in reply.body
        assert b"csrfmiddlewaretoken" not in reply.body
        assert reply.headers["cache-control"].startswith("public")
    assert theirs[-1].headers["x-cache-status"] == "HIT"


def test_unsafe_methods_and_private_visitors_are_never_cached(seeded, shared_pair, start_nginx):
    nginx = start_nginx(shared_pair)
    call(nginx.port, STORE)
    for _ in range(3):
        posted = call(nginx.port, STORE, method="POST", body=b"x=1")
        # Refused by the app (no CSRF token), and never stored nor answered from the cache.
        # (nginx caches only GET and HEAD: a POST never even looks at the cache.)
        assert posted.status == 403 and posted.headers["x-cache-status"] in {"BYPASS", "NONE"}
    for headers in (
        {"Cookie": f"sessionid={seeded['session']}"},
        {"Cookie": "dukaan_rw=pinned"},
        {"Authorization": f"Token {seeded['token']}"},
    ):
        for _ in range(2):
            reply = call(nginx.port, STORE, headers=headers)
            assert reply.headers["x-cache-status"] == "BYPASS", headers
            assert reply.headers["cache-control"] == "private, no-cache", headers


def test_a_seller_sees_their_own_price_change_at_once_and_shoppers_within_the_second(
    seeded, shared_pair, start_nginx
):
    nginx = start_nginx(shared_pair)
    product = _first_product(nginx)
    call(nginx.port, STORE)
    assert call(nginx.port, STORE).headers["x-cache-status"] == "HIT"
    new_price = "777.00"
    patched = call(
        nginx.port,
        f"/api/v1/stores{STORE}products/{product['id']}/",
        method="PATCH",
        body=f'{{"price": "{new_price}"}}'.encode(),
        headers={"Authorization": f"Token {seeded['token']}", "Content-Type": "application/json"},
    )
    assert patched.status == 200, patched.body
    seller = call(nginx.port, STORE, headers={"Cookie": f"sessionid={seeded['session']}"})
    assert _product_price(seller.body, product["id"]) == "₹777"
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        shopper = call(nginx.port, STORE)
        if _product_price(shopper.body, product["id"]) == "₹777":
            break
        time.sleep(0.1)
    assert _product_price(shopper.body, product["id"]) == "₹777"


def test_a_store_stays_browsable_from_the_stale_copy_with_every_app_server_down(
    seeded, live_env, start_app, start_nginx
):
    app1, app2 = start_app("app1"), start_app("app2")
    nginx = start_nginx([app1, app2])
    fresh = call(nginx.port, STORE)
    assert fresh.status == 200
    app1.stop(timeout=10)
    app2.stop(timeout=10)
    time.sleep(1.2)  # past the copy's second of freshness
    replies = [call(nginx.port, STORE) for _ in range(5)]
    assert [r.status for r in replies] == [200] * 5
    assert {r.headers["x-cache-status"] for r in replies} <= {"STALE", "UPDATING"}
    assert replies[0].body == fresh.body
    # What cannot come from the cache gets a quick 503 with a time to come back.
    login = call(nginx.port, "/dashboard/login/")
    assert login.status == 503 and login.headers["retry-after"] == "5"


def test_with_every_app_server_full_the_rest_gets_a_quick_503_not_a_wait(seeded, start_app, start_nginx):
    app = start_app("slow", slow_seconds=1.5)
    nginx = start_nginx([app], max_conns=1)
    replies: list = []

    def ask() -> None:
        replies.append(call(nginx.port, "/dashboard/login/"))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    statuses = sorted(r.status for r in replies)
    assert statuses.count(200) >= 1 and statuses.count(503) >= 2, statuses
    refused = [r for r in replies if r.status == 503]
    assert all(r.headers["retry-after"] == "5" for r in refused)
    # Refused by nginx without queueing at the busy server: the app saw only what it answered.
    time.sleep(0.2)
    reached = app.log_text().count('"path": "/dashboard/login/"')
    assert reached == statuses.count(200)


def test_with_the_micro_cache_off_every_request_reaches_the_app(seeded, shared_pair, start_nginx):
    nginx = start_nginx(shared_pair, micro_cache=False)
    replies = [call(nginx.port, STORE) for _ in range(5)]
    assert {r.headers["x-cache-status"] for r in replies} == {"NONE"}
    assert all(r.headers["cache-control"].startswith("public") for r in replies)
