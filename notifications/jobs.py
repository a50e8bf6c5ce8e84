"""The scheduled jobs the worker's beat runs, each under its own lock (notifications/locks.py).

Each returns a line saying what it did, for the worker's log. They call the owning apps' public
functions: orders cancels unpaid orders (stock back once), payments reprocesses its events, the
catalogue prunes its change log; only the outbox and the notifications are pruned here.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from catalogue.change_log import ChangeLog
from notifications.locks import job_lock
from notifications.models import Notification, Status
from notifications.services import notifications_sweep
from orders.models import OrderEvent
from orders.services import unpaid_orders_release
from payments.webhooks import payment_events_reprocess

logger = logging.getLogger("dukaan.jobs")

PRUNE_BATCH = 1000
SKIPPED = "skipped: another run holds the lock"


def sweep_job() -> str:
    with job_lock("notifications.sweep") as mine:
        if not mine:
            return SKIPPED
        result = notifications_sweep()
        return f"relayed {result.relayed} notification(s), handed out {result.resent} again"


def unpaid_orders_job() -> str:
    """Cancel gateway orders unpaid after DUKAAN_UNPAID_ORDER_MINUTES and UPI orders unconfirmed
    after DUKAAN_UNPAID_UPI_HOURS; each cancellation writes the outbox event that tells the customer."""
    with job_lock("orders.cancel_unpaid") as mine:
        if not mine:
            return SKIPPED
        result = unpaid_orders_release(
            gateway_minutes=settings.DUKAAN_UNPAID_ORDER_MINUTES,
            upi_minutes=settings.DUKAAN_UNPAID_UPI_HOURS * 60,
        )
        for order, reason in result.skipped:
            logger.info("unpaid order %s of store %s kept: %s", order.number, order.store_id, reason)
        return f"cancelled {len(result.cancelled)} unpaid order(s) of {len(result.found)} past their hold"


def payment_events_job() -> str:
    with job_lock("payments.reprocess") as mine:
        if not mine:
            return SKIPPED
        results = payment_events_reprocess(limit=200)
        failed = [(event.pk, error) for event, outcome, error in results if outcome is None]
        for pk, error in failed:
            logger.warning("payment event %s still pending: %s", pk, error)
        return f"reprocessed {len(results) - len(failed)} payment event(s), {len(failed)} still pending"


def _delete_in_batches(queryset) -> int:
    total = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            return total
        total += queryset.model.objects.filter(pk__in=ids).delete()[1].get(queryset.model._meta.label, 0)


def prune_job() -> str:
    """Delete handled outbox rows and finished notifications past retention, and the catalogue's
    processed change log (catalogue.change_log.ChangeLog.prune)."""
    with job_lock("prune") as mine:
        if not mine:
            return SKIPPED
        now = timezone.now()
        outbox_cutoff = now - timedelta(days=settings.DUKAAN_OUTBOX_RETENTION_DAYS)
        notify_cutoff = now - timedelta(days=settings.DUKAAN_NOTIFY_RETENTION_DAYS)
        # Only rows the relay has handled: an unhandled event is a notification still owed.
        events = _delete_in_batches(OrderEvent.objects.filter(consumed_at__lt=outbox_cutoff))
        notifications = _delete_in_batches(
            Notification.objects.filter(
                status__in=[Status.DELIVERED, Status.FAILED], updated_at__lt=notify_cutoff
            )
        )
        changes = ChangeLog().prune()
        return f"pruned {events} outbox row(s), {notifications} notification(s), {changes} change-log row(s)"
