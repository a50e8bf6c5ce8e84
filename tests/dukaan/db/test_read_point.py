"""read_point() and reads_from(): a read that must reflect a WAL position, and where it goes."""

from __future__ import annotations

from django.db import connections
from django.test.utils import CaptureQueriesContext

from dukaan.db import replicas
from dukaan.db import router as db_router
from dukaan.db.router import PRIMARY, RoutingState, read_point, reads_from, routing_scope, use_primary
from stores.models import User


def test_without_replicas_every_read_point_is_the_primary_with_no_position(db, settings):
    settings.REPLICA_ALIASES = []
    with routing_scope(RoutingState()):
        assert read_point(min_lsn=123) == db_router.ReadPoint(PRIMARY, None)


def test_a_replica_serves_a_position_it_has_replayed_and_the_primary_one_it_has_not(mirror_replica):
    with routing_scope(RoutingState()):
        caught_up = read_point()
        assert caught_up.alias == mirror_replica
        assert caught_up.lsn == replicas.get_state(mirror_replica).replay_position
        ahead = read_point(min_lsn=caught_up.lsn + 10**12)  # a position no server has written yet
        assert ahead.alias == PRIMARY
        assert ahead.lsn is not None and ahead.lsn >= caught_up.lsn


def test_a_pin_and_the_requests_own_rules_send_the_read_point_to_the_primary(mirror_replica):
    position = read_point().lsn
    assert read_point().alias == PRIMARY  # outside a request, reads are current
    with routing_scope(RoutingState(pinned=True, pin_lsn=None)):
        assert read_point().alias == PRIMARY  # a pin without a position holds until it expires
    with routing_scope(RoutingState(pinned=True, pin_lsn=10**15)):
        assert read_point().alias == PRIMARY  # no replica has the visitor's write
    with routing_scope(RoutingState(primary_reads=True)):
        assert read_point().alias == PRIMARY  # an unsafe method
    with routing_scope(RoutingState()), use_primary():
        assert read_point().alias == PRIMARY
    assert position is not None


def test_reads_from_sends_reads_where_chosen_but_use_primary_still_wins(mirror_replica):
    with routing_scope(RoutingState()):
        with reads_from(PRIMARY), CaptureQueriesContext(connections[mirror_replica]) as on_replica:
            User.objects.count()
        assert len(on_replica) == 0
        with (
            reads_from(mirror_replica),
            use_primary(),
            CaptureQueriesContext(connections[mirror_replica]) as on_replica,
        ):
            User.objects.count()
        assert len(on_replica) == 0
        with reads_from(mirror_replica), CaptureQueriesContext(connections[mirror_replica]) as on_replica:
            User.objects.count()
        assert len(on_replica) == 1
