"""The replica fence: no catalogue built from reads older than a change or the visitor's own write.

A "replica" alias mirrors the test database (as tests/dukaan/db does), and its replay position is
pinned at a fixed WAL position by replacing the measurement: the router then takes it for a replica
that has not replayed anything newer. Its rows are current, so what is checked here is where each
build reads, what it is stamped with and which copies are served; tests/catalogue/cache/
test_replica_fence.py shows the same against a real streaming replica whose rows really are old.
"""

from __future__ import annotations

import contextlib
import time
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from catalogue import cache as catalogue_cache
from catalogue import fast_path, page_cache
from catalogue.cache import catalogue_key, fence_cache_key, fence_key, fence_seconds
from catalogue.invalidator import Invalidator
from catalogue.key_deleter import CatalogueKeyDeleter
from catalogue.selectors import get_catalogue
from dukaan.db import replicas
from dukaan.db.read_your_writes import ReadYourWritesMiddleware
from dukaan.db.router import RoutingState, routing_scope
from dukaan.db.wal import lsn_to_int
from products.models import Product

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

LAGGING = "replica_lagging"


def primary_lsn() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return lsn_to_int(cursor.fetchone()[0])


def as_lsn_text(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


class Replay:
    """The lagging replica's replay position, as its measurement reports it (lag 0: in rotation)."""

    def __init__(self, position: int) -> None:
        self.position = position


@pytest.fixture
def lagging_replica(settings, transactional_db, monkeypatch):
    """A replica alias on the test database whose replay position stays where the test puts it."""
    conf = connections["default"].settings_dict
    backend = load_backend(conf["ENGINE"])
    setattr(connections._connections, LAGGING, backend.DatabaseWrapper(dict(conf), LAGGING))
    settings.REPLICA_ALIASES = [LAGGING]
    replay = Replay(primary_lsn())
    real_measure = replicas._measure

    def measure(alias: str):
        if alias != LAGGING:
            return real_measure(alias)
        connections[alias].ensure_connection()
        return as_lsn_text(replay.position), 0.0

    monkeypatch.setattr(replicas, "_measure", measure)
    replicas.reset()
    yield replay
    replicas.reset()
    with contextlib.suppress(DatabaseError):
        connections[LAGGING].close()
    delattr(connections._connections, LAGGING)


@pytest.fixture
def invalidator(trust_invalidator, lagging_replica):
    worker = Invalidator(
        redis_client=redis.Redis.from_url(settings.REDIS_URL), replica_aliases=[LAGGING], settle_seconds=0
    )
    worker.position = worker.load_position()
    worker.process_changes()  # whatever the set-up wrote
    return worker


def shopper_catalogue(slug: str) -> dict:
    """get_catalogue() as an anonymous GET sees it (reads may go to the replica)."""
    with routing_scope(RoutingState()):
        return get_catalogue(slug)


def price(catalogue: dict, product: Product) -> Decimal:
    return {p["id"]: Decimal(p["price"]) for p in catalogue["products"]}[product.id]


def reads(alias: str):
    return CaptureQueriesContext(connections[alias])


def test_a_copy_read_before_the_fence_is_never_served_and_the_rebuild_reads_past_it(
    lagging_replica, invalidator, make_store, make_product
):
    store = make_store()
    product = make_product(store, price="100.00")
    invalidator.process_changes()
    lagging_replica.position = primary_lsn()  # the replica has the product at 100.00
    with reads(LAGGING) as on_replica:
        assert price(shopper_catalogue(store.slug), product) == Decimal("100.00")
    assert len(on_replica) > 0  # built from the replica, and stamped with its position
    old_copy = caches["default"].get(catalogue_key(store.id))
    assert old_copy["lsn"] == lagging_replica.position

    Product.objects.filter(pk=product.pk).update(price=Decimal("200.00"))
    assert invalidator.process_changes() == 1  # fenced, then deleted
    fence = caches["default"].get(fence_key(store.id))
    assert fence > lagging_replica.position
    # The race the fence closes: a miss that read the replica before it replayed the change
    # stores its copy after the delete.
    caches["default"].set(catalogue_key(store.id), old_copy)

    with reads(LAGGING) as on_replica, reads("default") as on_primary:
        assert price(shopper_catalogue(store.slug), product) == Decimal("200.00")
    assert not [q for q in on_replica if "products_product" in q["sql"]]
    assert [q for q in on_primary if "products_product" in q["sql"]]
    assert caches["default"].get(catalogue_key(store.id))["lsn"] >= fence

    with reads(LAGGING) as on_replica, reads("default") as on_primary:
        assert price(shopper_catalogue(store.slug), product) == Decimal("200.00")
    assert len(on_replica) == len(on_primary) == 0  # the fresh copy is a hit again


def test_once_the_replica_has_replayed_past_the_fence_builds_read_it_again(
    lagging_replica, invalidator, make_store, make_product
):
    store = make_store()
    product = make_product(store, price="100.00")
    Product.objects.filter(pk=product.pk).update(price=Decimal("150.00"))
    invalidator.process_changes()
    lagging_replica.position = caches["default"].get(fence_key(store.id))  # replayed exactly that far

    with reads(LAGGING) as on_replica, reads("default") as on_primary:
        assert price(shopper_catalogue(store.slug), product) == Decimal("150.00")
    assert [q for q in on_replica if "products_product" in q["sql"]]
    assert len(on_primary) == 0


def test_a_pinned_seller_is_served_the_cached_copy_only_when_it_is_at_or_past_their_write(
    lagging_replica, invalidator, make_store, make_product, django_assert_num_queries
):
    store = make_store()
    product = make_product(store, price="100.00")
    invalidator.process_changes()
    lagging_replica.position = primary_lsn()
    shopper_catalogue(store.slug)
    stamped = caches["default"].get(catalogue_key(store.id))["lsn"]

    with routing_scope(RoutingState(pinned=True, pin_lsn=stamped)), django_assert_num_queries(0):
        assert price(get_catalogue(store.slug), product) == Decimal("100.00")

    # The seller's write, not yet seen by the invalidator: the cached copy predates it.
    Product.objects.filter(pk=product.pk).update(price=Decimal("90.00"))
    pin = primary_lsn()
    with routing_scope(RoutingState(pinned=True, pin_lsn=pin)), reads(LAGGING) as on_replica:
        assert price(get_catalogue(store.slug), product) == Decimal("90.00")
    assert not [q for q in on_replica if "products_product" in q["sql"]]  # the replica lacks the write
    assert caches["default"].get(catalogue_key(store.id))["lsn"] >= pin


def test_the_page_cache_does_not_serve_a_stored_answer_whose_catalogue_predates_the_fence(
    lagging_replica, invalidator, make_store, make_product, client
):
    store = make_store()
    make_product(store, price="100.00")
    invalidator.process_changes()
    lagging_replica.position = primary_lsn()
    assert client.get(f"/{store.slug}/").status_code == 200
    head = catalogue_cache.head_key(store.id)
    assert page_cache.lookup(store.slug, "store|sort=|category=None|q=|page=1|lang=").answer is not None

    old_head = caches["default"].get(head)
    Product.objects.filter(store=store).update(price=Decimal("200.00"))
    invalidator.process_changes()
    caches["default"].set(head, old_head)  # a late copy of the old head, as a slow builder would leave
    found = page_cache.lookup(store.slug, "store|sort=|category=None|q=|page=1|lang=")
    assert found.version is None and found.answer is None
    assert "₹200" in client.get(f"/{store.slug}/").content.decode()


def test_the_early_path_serves_a_stored_answer_only_while_its_stamp_is_past_the_fence(
    lagging_replica, invalidator, make_store, make_product, client
):
    store = make_store()
    product = make_product(store, price="100.00")
    invalidator.process_changes()
    lagging_replica.position = primary_lsn()
    url = f"/{store.slug}/p/{product.id}/"
    assert client.get(url).status_code == 200  # rendered and stored
    fast_path.stats.reset()
    assert "₹100" in client.get(url).content.decode()
    assert fast_path.stats.served == 1  # the stored copy, answered early

    # A change the replica has not replayed: the invalidator fences the store past the stored
    # copy's stamp; a late copy of the old head is put back, as a slow builder would leave it.
    old_head = caches["default"].get(catalogue_cache.head_key(store.id))
    Product.objects.filter(pk=product.pk).update(price=Decimal("200.00"))
    invalidator.process_changes()
    caches["default"].set(catalogue_cache.head_key(store.id), old_head)
    fresh = client.get(url)
    assert fast_path.stats.served == 1, "a copy stamped before the fence was answered early"
    assert "₹200" in fresh.content.decode()
    assert "₹200" in client.get(url).content.decode()
    assert fast_path.stats.served == 2  # the new copy, stamped past the fence, is answered early


def test_the_early_path_never_answers_a_visitor_pinned_by_their_own_write(
    lagging_replica, invalidator, make_store, make_product, client
):
    store = make_store()
    product = make_product(store, price="100.00")
    invalidator.process_changes()
    lagging_replica.position = primary_lsn()
    url = f"/{store.slug}/p/{product.id}/"
    client.get(url)
    client.get(url)
    assert fast_path.stats.served >= 1
    # Their write pins them with a signed cookie (read_your_writes); the shared copy predates it.
    client.cookies[ReadYourWritesMiddleware.COOKIE_NAME] = signing.dumps(
        {"l": as_lsn_text(primary_lsn() + 1), "e": time.time() + 60}, salt=ReadYourWritesMiddleware._SALT
    )
    served = fast_path.stats.served
    pinned = client.get(url)
    assert fast_path.stats.served == served
    assert pinned["Cache-Control"] == "private, no-cache"


def test_a_fence_is_only_ever_raised_and_lasts_as_long_as_the_routers_lag_limit(
    settings, make_store, raw_redis
):
    settings.DUKAAN_REPLICA_MAX_LAG_SECONDS = 5.0
    settings.DUKAAN_REPLICA_RECHECK_SECONDS = 5.0
    assert fence_seconds() == 5.0 + 1.0 + 1.0  # the lag limit, the re-measure interval, a second
    store = make_store()
    key = fence_cache_key(store.id)
    keys = CatalogueKeyDeleter(redis.Redis.from_url(settings.REDIS_URL))
    big = 2**60 + 7  # past a double's exact integers: compared as digits, not numbers

    keys.fence({store.id}, big, fence_seconds())
    keys.fence({store.id}, big - 1, 60)  # an older position (another invalidator, a catch-up)
    assert int(raw_redis.get(key)) == big
    assert 0 < raw_redis.pttl(key) <= fence_seconds() * 1000
    keys.fence({store.id}, big + 10, fence_seconds())
    assert int(raw_redis.get(key)) == big + 10
    assert caches["default"].get(fence_key(store.id)) == big + 10  # readable through the cache

    other = make_store()  # the same rule without Redis (the cache is this process's memory)
    local = CatalogueKeyDeleter(None)
    local.fence({other.id}, 500, 60)
    local.fence({other.id}, 400, 60)
    assert caches["default"].get(fence_key(other.id)) == 500


def test_without_replicas_copies_are_neither_stamped_nor_fenced(
    trust_invalidator, store, make_product, django_assert_num_queries
):
    make_product(store, price="100.00")
    with django_assert_num_queries(3):  # the store, its categories, its products: nothing added
        get_catalogue(store.slug)
    assert caches["default"].get(catalogue_key(store.id))["lsn"] is None
    with django_assert_num_queries(0):
        get_catalogue(store.slug)
