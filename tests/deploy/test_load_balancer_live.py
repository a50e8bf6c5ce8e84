"""nginx in front of two gunicorn app servers, for real: spreading, failover, no replays, switches.

Every test counts requests and answers; none asserts a latency.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.deploy.live import Stream, call, json_lines

pytestmark = pytest.mark.integration


def test_requests_are_spread_across_both_app_servers(shared_pair, start_nginx):
    app1, app2 = shared_pair
    nginx = start_nginx([app1, app2])

    replies = [call(nginx.port) for _ in range(40)]

    assert [r.status for r in replies] == [200] * 40
    served = Counter(r.served_by for r in replies)
    assert set(served) == {"app1", "app2"}
    assert min(served.values()) >= 12, served


def test_the_answering_server_is_named_in_the_response(shared_pair, start_nginx):
    app1, app2 = shared_pair
    nginx = start_nginx([app1, app2])

    reply = call(nginx.port)

    assert reply.status == 200
    by_port = {f"127.0.0.1:{app1.port}": "app1", f"127.0.0.1:{app2.port}": "app2"}
    assert reply.upstreams[-1] in by_port
    assert by_port[reply.upstreams[-1]] == reply.served_by
    assert reply.headers["x-edge-route"] == "loopback"


def test_least_conn_sends_most_new_requests_away_from_a_slow_server(start_app, start_nginx):
    slow, fast = start_app("slow", slow_seconds=0.3), start_app("fast")
    nginx = start_nginx([slow, fast])

    with Stream(nginx.port, threads=8) as stream:
        stream.wait_for(200)
    replies = stream.replies

    assert all(r.status == 200 for r in replies)
    served = Counter(r.served_by for r in replies)
    # Round robin would give the slow server half of them; least_conn gives it a small share.
    assert served["fast"] > 4 * served["slow"], served
    assert served["slow"] >= 1, "the slow server still takes a share when it is idle"


def test_stopping_a_server_gracefully_during_a_stream_of_requests_loses_none(start_app, start_nginx):
    app1, app2 = start_app("app1"), start_app("app2")
    nginx = start_nginx([app1, app2])

    with Stream(nginx.port, threads=6) as stream:
        stream.wait_for(150)
        app1.popen.send_signal(signal.SIGTERM)  # what a supervisor or `docker stop` sends
        app1.popen.wait(30)
        stopped_at = time.monotonic()
        count_at_stop = stream.count()
        stream.wait_for(count_at_stop + 150)
    replies = stream.replies

    assert [r for r in replies if r.status != 200] == []
    before = Counter(r.served_by for r in replies if r.ended < stopped_at)
    after = Counter(r.served_by for r in replies if r.started > stopped_at)
    assert before["app1"] > 0 and before["app2"] > 0, before
    assert after == Counter({"app2": sum(after.values())}) and sum(after.values()) >= 100, after


def test_killing_a_server_outright_cuts_at_most_its_in_flight_responses(start_app, start_nginx):
    app1, app2 = start_app("app1"), start_app("app2")
    nginx = start_nginx([app1, app2])

    with Stream(nginx.port, threads=6) as stream:
        stream.wait_for(150)
        killed_at = time.monotonic()
        app1.signal_group(signal.SIGKILL)  # master and workers, no chance to finish anything
        app1.popen.wait(10)
        count_at_kill = stream.count()
        stream.wait_for(count_at_kill + 150)
    replies = stream.replies

    in_flight = [r for r in replies if r.started < killed_at < r.ended]
    failed = [r for r in replies if r.status != 200]
    # nginx retries anything app1 had not started answering; it cannot retry a response whose
    # bytes already reached the client. Those are the only ones allowed to fail.
    assert len(failed) <= len(in_flight) <= 6
    assert all(r.started < killed_at for r in failed)
    later = [r for r in replies if r.started > killed_at]
    assert len(later) >= 150
    assert {r.status for r in later} == {200}
    assert {r.served_by for r in later} == {"app2"}


def test_a_post_is_never_replayed_on_another_server_but_a_get_is(start_app, start_nginx):
    # app1 takes 1 s per request, nginx waits 0.4 s: each request that reaches app1 times out there.
    app1, app2 = start_app("app1", slow_seconds=1.0), start_app("app2")
    nginx = start_nginx([app1, app2], proxy_read_timeout="400ms", proxy_next_upstream_timeout="10s")
    slow_addr, fast_addr = f"127.0.0.1:{app1.port}", f"127.0.0.1:{app2.port}"

    # Idle servers take turns: of two GETs one goes to app1 first; likewise for the POSTs.
    gets = [call(nginx.port, f"/healthz?get={n}") for n in range(2)]
    posts = [call(nginx.port, f"/healthz?post={n}", method="POST", body=b"x=1") for n in range(4)]

    timed_out_posts = [r for r in posts if r.upstreams == [slow_addr]]
    assert timed_out_posts, [r.upstreams for r in posts]
    assert {r.status for r in timed_out_posts} == {504}
    assert all(len(r.upstreams) == 1 for r in posts), "a POST was sent to a second server"
    # app2 saw exactly the POSTs it answered first-hand, none of app1's.
    answered_by_app2 = sorted(r for r in range(4) if posts[r].upstreams == [fast_addr])
    time.sleep(0.2)
    app2_posts = sorted(
        int(rec["query"].split("=")[1])
        for rec in json_lines(app2.log_text())
        if rec.get("logger") == "gunicorn.access" and rec.get("method") == "POST"
    )
    assert app2_posts == answered_by_app2

    assert {r.status for r in gets} == {200}
    assert [slow_addr, fast_addr] in [r.upstreams for r in gets], "the GET that timed out was retried"
    assert all(r.served_by == "app2" for r in gets)


def test_the_maintenance_switch_turns_the_site_to_503_and_back(shared_pair, start_nginx):
    app1, app2 = shared_pair
    nginx = start_nginx([app1, app2])
    assert call(nginx.port, "/healthz").status == 200

    nginx.maintenance(on=True)
    down = [call(nginx.port, path) for path in ("/", "/healthz", "/api/v1/stores/", "/static/css/dukaan.css")]
    nginx.maintenance(on=False)
    up = call(nginx.port, "/healthz")

    assert {r.status for r in down} == {503}
    assert all(b"quick upgrade" in r.body for r in down)
    assert all(r.headers.get("retry-after") == "300" for r in down)
    assert not any(r.served_by for r in down), "an app server was reached during maintenance"
    assert up.status == 200 and up.served_by in {"app1", "app2"}


def test_posts_to_otp_endpoints_are_rate_limited_by_nginx(shared_pair, start_nginx):
    app1 = shared_pair[0]
    nginx = start_nginx([app1], otp_rate="6r/m")

    replies = [
        call(
            nginx.port,
            "/api/v1/auth/otp/request/",
            method="POST",
            body=json.dumps({"phone": "+919999900000"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        for _ in range(15)
    ]

    limited = [r for r in replies if r.status == 429 and not r.served_by]
    # burst 5 (+1 for the rate), then nginx answers 429 itself without bothering an app server.
    assert len(limited) >= 8, [r.status for r in replies]
    assert len([r for r in replies if r.served_by]) <= 7
    assert call(nginx.port, "/healthz").status == 200, "other paths are not limited"
    page = call(nginx.port, "/dashboard/login/")
    assert page.served_by == "app1" and page.status != 429, "loading the login page is not limited"


def test_order_posts_and_admin_sign_ins_are_rate_limited_by_nginx(shared_pair, start_nginx):
    app1 = shared_pair[0]
    nginx = start_nginx(
        [app1], order_rate="6r/m", order_burst=3, admin_login_rate="6r/m", admin_login_burst=3
    )

    def post(path: str, body: bytes, content_type: str):
        return call(nginx.port, path, method="POST", body=body, headers={"Content-Type": content_type})

    orders = [post("/api/v1/stores/no-such-store/orders/", b"{}", "application/json") for _ in range(10)]
    checkouts = [
        post("/no-such-store/checkout/", b"", "application/x-www-form-urlencoded") for _ in range(10)
    ]
    logins = [
        post("/admin/login/", b"username=x&password=y", "application/x-www-form-urlencoded")
        for _ in range(10)
    ]

    for replies in (orders + checkouts, logins):
        # burst 3 (+1 for the rate), then nginx answers 429 itself without bothering an app server.
        assert len([r for r in replies if r.status == 429 and not r.served_by]) >= 5, [
            r.status for r in replies
        ]
        assert len([r for r in replies if r.served_by]) <= 5
    listing = [call(nginx.port, "/api/v1/stores/no-such-store/orders/") for _ in range(8)]
    assert all(r.served_by == "app1" for r in listing), "the owner's GET of the order list is not limited"
    assert call(nginx.port, "/admin/login/").served_by == "app1", (
        "loading the admin sign-in page is not limited"
    )


def test_uploads_over_the_limit_are_refused_by_nginx(shared_pair, start_nginx):
    app1 = shared_pair[0]
    nginx = start_nginx([app1], client_max_body_size="1m")

    reply = call(nginx.port, "/api/v1/stores/x/products/", method="POST", body=b"0" * (2 * 1024 * 1024))

    assert reply.status == 413
    assert not reply.served_by


def test_static_files_are_served_by_nginx_gzipped_with_long_cache_headers(live_env, shared_pair, start_nginx):
    app1 = shared_pair[0]
    nginx = start_nginx([app1])
    manifest = json.loads((Path(live_env["DJANGO_STATIC_ROOT"]) / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/dukaan.css"]
    assert re.search(r"\.[0-9a-f]{12}\.css$", hashed)

    reply = call(nginx.port, f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    plain = call(nginx.port, "/static/css/dukaan.css")

    assert reply.status == 200 and not reply.served_by
    assert reply.headers["content-encoding"] == "gzip"
    assert (
        "immutable" in reply.headers["cache-control"] and "max-age=31536000" in reply.headers["cache-control"]
    )
    assert plain.status == 200 and "immutable" not in plain.headers["cache-control"]


def test_request_id_from_nginx_is_echoed_and_logged_as_json_by_the_app(shared_pair, start_nginx):
    app1 = shared_pair[0]
    nginx = start_nginx([app1])

    reply = call(nginx.port, "/no-such-store-h8/", headers={"X-Forwarded-For": "203.0.113.9"})
    request_id = reply.headers["x-request-id"]
    time.sleep(0.3)

    assert reply.status == 404
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), "nginx's $request_id, not a client's"
    app_records = [r for r in json_lines(app1.log_text()) if r.get("request_id") == request_id]
    loggers = {r["logger"] for r in app_records}
    assert {"gunicorn.access", "django.request"} <= loggers, app_records
    access = next(r for r in app_records if r["logger"] == "gunicorn.access")
    assert access["status"] == 404 and "request_time_ms" in access
    # nginx appends the address it saw; the client's own X-Forwarded-For stays in front, untrusted.
    assert access["forwarded_for"] == "203.0.113.9, 127.0.0.1"

    # nginx writes its access log in buffered batches (at least once a second).
    def nginx_records() -> list[dict]:
        log = (nginx.prefix / "access.log").read_text()
        return [r for r in json_lines(log) if r["request_id"] == request_id]

    deadline = time.monotonic() + 5
    while not nginx_records() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(nginx_records()) == 1 and nginx_records()[0]["status"] == 404


def test_readyz_turns_503_when_the_database_is_unreachable_while_healthz_stays_200(start_app, start_nginx):
    # A PostgreSQL URL on a port where nothing listens: the process is up, its database is not.
    app1 = start_app("app1", DATABASE_URL="postgres://dukaan@127.0.0.1:9/dukaan")
    nginx = start_nginx([app1])

    healthz = call(nginx.port, "/healthz")
    readyz = call(nginx.port, "/readyz")

    assert healthz.status == 200
    assert readyz.status == 503
    body = json.loads(readyz.body)
    assert body["status"] == "unavailable" and body["checks"]["database"]["ok"] is False


def test_the_container_healthcheck_script_passes_on_a_live_server_and_fails_on_a_dead_one(
    live_env, shared_pair
):
    app1 = shared_pair[0]
    script = [
        sys.executable,
        str(Path(__file__).resolve().parents[2] / "deploy" / "healthcheck.py"),
        "/healthz",
    ]

    alive = subprocess.run(
        script, env=dict(live_env, GUNICORN_BIND=f"0.0.0.0:{app1.port}"), capture_output=True
    )
    dead = subprocess.run(script, env=dict(live_env, GUNICORN_BIND="0.0.0.0:9"), capture_output=True)

    assert alive.returncode == 0, alive.stderr
    assert dead.returncode == 1


def test_the_https_scheme_is_believed_only_from_a_trusted_proxy_address(start_app):
    # DJANGO_SECURE_SSL_REDIRECT=1: a request the app thinks is plain HTTP is redirected to https.
    trusted = start_app("trusted", DJANGO_SECURE_SSL_REDIRECT="1", FORWARDED_ALLOW_IPS="127.0.0.1")
    untrusted = start_app("untrusted", DJANGO_SECURE_SSL_REDIRECT="1", FORWARDED_ALLOW_IPS="10.9.9.9")
    https = {"X-Forwarded-Proto": "https"}

    from_proxy = call(trusted.port, "/no-such-store-h8/", headers=https)
    plain = call(trusted.port, "/no-such-store-h8/")
    spoofed = call(untrusted.port, "/no-such-store-h8/", headers=https)

    assert from_proxy.status == 404
    assert "max-age=31536000" in from_proxy.headers["strict-transport-security"]
    assert plain.status == 301 and plain.headers["location"].startswith("https://")
    assert spoofed.status == 301, "X-Forwarded-Proto from an address that is not our proxy is ignored"
