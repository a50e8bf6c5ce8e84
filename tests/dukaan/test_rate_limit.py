"""dukaan.rate_limit: fixed windows counted in the shared cache (Redis in CI)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from dukaan.rate_limit import Limit, rate_limit_hit, rate_limit_wait

LIMIT = Limit(count=3, window_seconds=60)
START = 1_800_000_000.0  # the start of a 60-second window


@pytest.fixture(autouse=True)
def fresh_counters():
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("ratelimit:test:*")
    else:
        cache.clear()


def test_hits_up_to_the_limit_pass_then_each_is_told_how_long_to_wait():
    assert [rate_limit_hit("test", "k", LIMIT, now=START + i) for i in range(3)] == [None, None, None]
    assert rate_limit_hit("test", "k", LIMIT, now=START + 10) == 51
    assert rate_limit_wait("test", "k", LIMIT, now=START + 50) == 11


def test_a_new_window_starts_from_zero():
    for i in range(4):
        rate_limit_hit("test", "k", LIMIT, now=START + i)
    assert rate_limit_wait("test", "k", LIMIT, now=START + 59) is not None
    assert rate_limit_wait("test", "k", LIMIT, now=START + 60) is None
    assert rate_limit_hit("test", "k", LIMIT, now=START + 61) is None


def test_keys_and_scopes_count_apart():
    for _ in range(3):
        rate_limit_hit("test", "a", LIMIT, now=START)
    assert rate_limit_hit("test", "a", LIMIT, now=START) is not None
    assert rate_limit_hit("test", "b", LIMIT, now=START) is None
    assert rate_limit_hit("test-other", "a", LIMIT, now=START) is None


def test_wait_counts_nothing():
    for _ in range(10):
        assert rate_limit_wait("test", "k", LIMIT, now=START) is None
    assert rate_limit_hit("test", "k", LIMIT, now=START) is None


@pytest.mark.parametrize("limit", [Limit(0, 60), Limit(3, 0)])
def test_a_zero_limit_is_off(limit):
    assert all(rate_limit_hit("test", "k", limit, now=START) is None for _ in range(10))


def test_no_key_is_never_limited():
    assert all(rate_limit_hit("test", "", LIMIT, now=START) is None for _ in range(10))
