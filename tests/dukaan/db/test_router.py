"""Router and read-your-writes decisions, on a replica alias that mirrors the test database.

The real replication behaviour (lag, paused replay, a stopped replica) is in test_replica_pair.py.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
from asgiref.sync import async_to_sync
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from dukaan.db import replicas
from dukaan.db import router as db_router
from dukaan.db.read_your_writes import ReadYourWritesMiddleware
from products.models import Product
from stores.models import User

COOKIE = ReadYourWritesMiddleware.COOKIE_NAME
FAR_FUTURE_LSN = "FFFFFFFF/0"  # no replica will ever have replayed this


def forged_pin(lsn: str | None, expires_in: float) -> dict:
    return {"l": lsn, "e": time.time() + expires_in}


def body(response) -> dict:
    return json.loads(response.content)


def pin_cookie(lsn: str | None, expires_in: float = 60) -> str:
    return signing.dumps(forged_pin(lsn, expires_in), salt=ReadYourWritesMiddleware._SALT)


def test_every_read_uses_the_primary_when_no_replica_is_configured(db, client, routing_urls, settings):
    settings.REPLICA_ALIASES = []
    assert body(client.get("/read/"))["served"] == ["default"]


def test_anonymous_get_reads_the_replica(mirror_replica, client, routing_urls):
    with CaptureQueriesContext(connections[mirror_replica]) as on_replica:
        response = client.get("/read/")
    assert body(response)["served"] == [mirror_replica]
    assert any("stores_user" in query["sql"] for query in on_replica.captured_queries)
    assert COOKIE not in response.cookies


def test_unsafe_method_reads_the_primary(mirror_replica, client, routing_urls):
    assert body(client.post("/write/"))["served"] == ["default"]


def test_a_write_sets_a_signed_pin_with_the_wal_position(mirror_replica, client, routing_urls, on_postgres):
    response = client.get("/write/")  # a GET that writes pins too: the write is what counts
    pin = signing.loads(response.cookies[COOKIE].value, salt=ReadYourWritesMiddleware._SALT)
    assert response.cookies[COOKIE]["max-age"] == 60
    assert response.cookies[COOKIE]["httponly"]
    if on_postgres:
        assert replicas.lsn_to_int(pin["l"]) > 0
    else:
        assert pin["l"] is None  # no WAL on SQLite: the pin holds for the whole window


@pytest.mark.parametrize("path", ["/update/", "/raw-sql/"])
def test_queryset_update_and_raw_sql_count_as_writes(mirror_replica, client, routing_urls, path):
    assert COOKIE in client.get(path).cookies


def test_a_read_only_request_sets_no_pin(mirror_replica, client, routing_urls):
    client.get("/read/")
    assert COOKIE not in client.get("/read/").cookies


def test_pinned_visitor_reads_the_primary_until_a_replica_replays_the_write(
    mirror_replica, client, routing_urls
):
    client.cookies[COOKIE] = pin_cookie(FAR_FUTURE_LSN)
    response = client.get("/read/")
    assert body(response)["served"] == ["default"]
    assert COOKIE not in response.cookies  # the pin stays as it was


def test_pin_without_a_wal_position_holds_for_the_window(mirror_replica, client, routing_urls):
    client.cookies[COOKIE] = pin_cookie(None)
    assert body(client.get("/read/"))["served"] == ["default"]


@pytest.mark.postgres
def test_pin_is_dropped_once_the_replica_has_replayed_the_write(mirror_replica, client, routing_urls):
    client.get("/write/")  # the mirror is the primary itself: it has already "replayed" it
    response = client.get("/read/")
    assert body(response)["served"] == [mirror_replica]
    assert response.cookies[COOKIE].value == ""  # deleted


def test_expired_pin_is_ignored(mirror_replica, client, routing_urls):
    client.cookies[COOKIE] = pin_cookie(FAR_FUTURE_LSN, expires_in=-1)
    assert body(client.get("/read/"))["served"] == [mirror_replica]


def test_tampered_pin_is_ignored(mirror_replica, client, routing_urls):
    client.cookies[COOKIE] = pin_cookie(FAR_FUTURE_LSN)[:-2] + "xx"
    assert body(client.get("/read/"))["served"] == [mirror_replica]


def test_token_client_without_cookies_is_pinned_on_the_server(mirror_replica, routing_urls):
    from rest_framework.test import APIClient

    seller = User.objects.create_user("+919812345678")
    token = Token.objects.create(user=seller)
    api = APIClient(enforce_csrf_checks=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    api.patch("/write/")
    api.cookies.clear()  # a mobile app keeps no cookies
    assert cache.get(f"rw:user:{seller.pk}") is not None
    cache.set(f"rw:user:{seller.pk}", forged_pin(FAR_FUTURE_LSN, 60), 60)
    assert body(api.get("/read/"))["served"] == ["default"]

    other = APIClient()  # someone else's reads are not affected
    assert body(other.get("/read/"))["served"] == [mirror_replica]


def test_pin_set_by_the_api_applies_to_the_same_sellers_browser(mirror_replica, client, routing_urls):
    seller = User.objects.create_user("+919812345679")
    client.force_login(seller)
    cache.set(f"rw:user:{seller.pk}", forged_pin(FAR_FUTURE_LSN, 60), 60)
    assert body(client.get("/read/"))["served"] == ["default"]


def test_reads_inside_a_transaction_and_select_for_update_use_the_primary(
    mirror_replica, client, routing_urls
):
    assert body(client.get("/atomic/"))["served"] == ["default"]


def test_use_primary_sends_reads_to_the_primary(mirror_replica, client, routing_urls):
    assert body(client.get("/use-primary/"))["served"] == ["default"]


def test_async_view_reads_the_replica_and_respects_the_pin(mirror_replica, async_client, routing_urls):
    anonymous = async_to_sync(async_client.get)("/async-read/")
    assert body(anonymous)["served"] == [mirror_replica]
    async_client.cookies[COOKIE] = pin_cookie(FAR_FUTURE_LSN)
    pinned = async_to_sync(async_client.get)("/async-read/")
    assert body(pinned)["served"] == ["default"]


def test_sessions_and_tokens_are_always_read_from_the_primary(mirror_replica):
    router = db_router.PrimaryReplicaRouter()
    with db_router.routing_scope():
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(Token) == "default"
        assert router.db_for_read(Product) == mirror_replica


def test_reads_outside_a_request_use_the_primary(mirror_replica):
    assert db_router.PrimaryReplicaRouter().db_for_read(Product) == "default"


def test_writes_and_migrations_only_go_to_the_primary(mirror_replica):
    router = db_router.PrimaryReplicaRouter()
    with db_router.routing_scope():
        assert router.db_for_write(Product) == "default"
    assert router.allow_migrate("default", "products") is True
    assert router.allow_migrate(mirror_replica, "products") is False


@pytest.mark.parametrize(
    ("sql", "is_write"),
    [
        ('INSERT INTO "products_product" ("name") VALUES (%s)', True),
        ('  update "products_product" SET "price" = %s', True),
        ('DELETE FROM "products_product" WHERE "id" = %s', True),
        ("WITH moved AS (DELETE FROM t RETURNING *) SELECT * FROM moved", True),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('SELECT "products_product"."id" FROM "products_product" FOR UPDATE', False),
        ("WITH x AS (SELECT 1) SELECT * FROM x", False),
        ('SAVEPOINT "s1"', False),
    ],
)
def test_write_statements_are_recognised(sql, is_write):
    assert db_router.is_write_sql(sql) is is_write


def test_readyz_reports_each_replica(mirror_replica, client):
    checks = client.get("/readyz").json()["checks"]
    assert checks["replicas"][mirror_replica]["state"] == "ok"
    assert checks["replicas"][mirror_replica]["lag_seconds"] == 0


@pytest.mark.postgres
def test_replica_that_refuses_connections_is_skipped_and_logged_once(
    refused_replica, client, routing_urls, caplog, settings
):
    settings.DUKAAN_REPLICA_RECHECK_SECONDS = 0  # re-check on every request: still logged once
    with caplog.at_level(logging.WARNING, logger="dukaan.replicas"):
        first = client.get("/read/")
        second = client.get("/read/")
    assert first.status_code == second.status_code == 200
    assert body(first)["served"] == body(second)["served"] == ["default"]
    assert len([r for r in caplog.records if "is down" in r.getMessage()]) == 1
    readyz = client.get("/readyz")
    assert readyz.status_code == 200
    assert readyz.json()["checks"]["replicas"][refused_replica]["state"] == "down"


@pytest.mark.postgres
def test_replica_down_is_not_retried_before_the_recheck_interval(
    refused_replica, client, routing_urls, settings
):
    settings.DUKAAN_REPLICA_RECHECK_SECONDS = 3600
    client.get("/read/")
    checked_at = replicas.get_state(refused_replica).checked_at
    client.get("/read/")
    assert replicas.get_state(refused_replica).checked_at == checked_at


@pytest.mark.postgres
def test_a_stale_persistent_replica_connection_is_replaced_not_reported_down(mirror_replica):
    replica = connections[mirror_replica]
    replica.ensure_connection()
    backend_pid = replica.connection.get_backend_pid()
    with connections["default"].cursor() as cursor:  # as if the replica had restarted
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    state = replicas.check(mirror_replica)
    assert state.status == replicas.OK
    assert replica.connection.get_backend_pid() != backend_pid
