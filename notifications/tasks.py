"""Celery tasks: the relay, one delivery, and the scheduled jobs (beat: CELERY_BEAT_SCHEDULE).

Every task is safe to run twice: deliveries are claimed, jobs take a lock, the relay skips
locked events. So an unacknowledged message redelivered after a worker died does no harm.
"""

from __future__ import annotations

import logging

from celery.signals import worker_ready
from django.conf import settings

from dukaan.celery import app
from notifications import jobs, services

logger = logging.getLogger("dukaan.jobs")


@app.task(name="notifications.relay")
def relay() -> int:
    ids = services.outbox_relay()
    services.deliveries_hand_off(ids)
    return len(ids)


@app.task(
    name="notifications.deliver",
    # The provider's timeout ends a send long before this; this only stops a hung worker thread.
    soft_time_limit=settings.DUKAAN_NOTIFY_HTTP_TIMEOUT_SECONDS + 30,
)
def deliver(notification_id: int) -> str:
    outcome = services.notification_deliver(notification_id=notification_id)
    if outcome.retry_in is not None:
        services.deliveries_hand_off([notification_id], countdown=outcome.retry_in)
    return outcome.result


def _job(name: str, run) -> str:
    line = run()
    logger.info("%s: %s", name, line)
    return line


@app.task(name="notifications.sweep")
def sweep() -> str:
    return _job("notifications sweep", jobs.sweep_job)


@app.task(name="notifications.cancel_unpaid_orders")
def cancel_unpaid_orders() -> str:
    return _job("cancel unpaid orders", jobs.unpaid_orders_job)


@app.task(name="notifications.reprocess_payment_events")
def reprocess_payment_events() -> str:
    return _job("reprocess payment events", jobs.payment_events_job)


@app.task(name="notifications.prune")
def prune() -> str:
    return _job("prune", jobs.prune_job)


@worker_ready.connect
def _catch_up_on_start(**kwargs: object) -> None:
    # Like the cache invalidator: every start first catches up with whatever the outbox holds
    # (a broker flushed or a worker killed while it was down), not after the first beat interval.
    try:
        sweep.apply_async(retry=False)
    except Exception as exc:
        logger.warning("could not queue the start-up sweep: %s", exc)
