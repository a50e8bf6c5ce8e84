"""Fixtures for the replica routing tests.

Unit tests add a replica alias at run time that points at the test database itself (what Django's
TEST['MIRROR'] does), so the router's decisions run against real connections in the normal suite.
The integration tests (test_replica_pair.py) run the app against a real streaming replica.
"""

from __future__ import annotations

import contextlib
import sys
import time
import types

import pytest
from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection, connections, transaction
from django.db.utils import load_backend
from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dukaan.db import replicas
from dukaan.db import router as db_router
from dukaan.http import health
from stores.models import User
from tests.servers import free_port

MIRROR = "replica_mirror"
DOWN = "replica_down"


def _served() -> list[str]:
    state = db_router.current_state()
    return sorted(state.served) if state else []


class ReadView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [AllowAny]

    def get(self, request):
        count = User.objects.count()
        return Response({"served": _served(), "users": count})


class WriteView(APIView):
    """Creates a user (a real write through the ORM) on any method."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [AllowAny]

    def _write(self, request):
        User.objects.count()  # validation reads before the write
        User.objects.create_user(f"+9170{int(time.time() * 1e6) % 100000000:08d}")
        return Response({"served": _served()})

    get = post = patch = _write


def update_view(request: HttpRequest) -> JsonResponse:
    User.objects.filter(pk=-1).update(name="nobody")  # QuerySet.update: no save() signal
    return JsonResponse({"served": _served()})


def raw_sql_view(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE stores_user SET name = name WHERE id = -1")
    return JsonResponse({"served": _served()})


def atomic_view(request: HttpRequest) -> JsonResponse:
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk=-1))
        User.objects.count()
    return JsonResponse({"served": _served()})


def use_primary_view(request: HttpRequest) -> JsonResponse:
    with db_router.use_primary():
        User.objects.count()
    return JsonResponse({"served": _served()})


async def async_read_view(request: HttpRequest) -> JsonResponse:
    await sync_to_async(User.objects.count)()
    return JsonResponse({"served": _served()})


urls = types.ModuleType("replica_test_urls")
urls.urlpatterns = [
    path("read/", ReadView.as_view()),
    path("write/", WriteView.as_view()),
    path("update/", update_view),
    path("raw-sql/", raw_sql_view),
    path("atomic/", atomic_view),
    path("use-primary/", use_primary_view),
    path("async-read/", async_read_view),
    path("readyz", health.readyz),
]
sys.modules[urls.__name__] = urls


@pytest.fixture
def routing_urls(settings):
    settings.ROOT_URLCONF = urls.__name__
    return urls


def _add_alias(alias: str, **overrides) -> None:
    # Built by hand and not listed in DATABASES: Django's test case treats it as a dynamically
    # created connection and allows it (it forbids aliases it knows but the test did not declare).
    settings_dict = {**connections["default"].settings_dict, **overrides}
    backend = load_backend(settings_dict["ENGINE"])
    setattr(connections._connections, alias, backend.DatabaseWrapper(settings_dict, alias))


def _drop_alias(alias: str) -> None:
    conn = getattr(connections._connections, alias, None)
    if conn is not None:
        with contextlib.suppress(DatabaseError):  # a refused "replica" has nothing to close
            conn.close()
        delattr(connections._connections, alias)


@pytest.fixture
def mirror_replica(settings, transactional_db):
    """A replica alias that mirrors the test database; transactional so it sees committed rows."""
    _add_alias(MIRROR)
    settings.REPLICA_ALIASES = [MIRROR]
    replicas.reset()
    yield MIRROR
    replicas.reset()
    _drop_alias(MIRROR)


@pytest.fixture
def refused_replica(settings, transactional_db):
    """A replica alias on a loopback port where nothing listens (a replica that is down)."""
    port = free_port()  # closed again: connecting to it is refused
    _add_alias(DOWN, HOST="127.0.0.1", PORT=str(port), OPTIONS={"connect_timeout": 2})
    settings.REPLICA_ALIASES = [DOWN]
    replicas.reset()
    yield DOWN
    replicas.reset()
    _drop_alias(DOWN)
