"""Writes for notifications: relaying the outbox, delivering, re-sending, and a store's choices.

The path of one notification:
  orders writes an OrderEvent in the order's transaction
  -> after commit, a signal's on_commit asks for a relay (`outbox_kick`)
  -> `outbox_relay` locks unhandled events (SKIP LOCKED), writes their notifications and marks the
     events handled, in one transaction: each event yields its notifications exactly once
  -> after that commit, `deliveries_hand_off` gives each notification to the worker (or, with no
     broker, delivers it in this process)
  -> `notification_deliver` claims it (a conditional UPDATE with a lease), sends it with its
     idempotency key, and records the answer: delivered, a retry after a jittered backoff, or failed.
  `notifications_sweep` (beat, and every worker start) repeats the relay and hands out again what
  was due and not finished: a lost broker message, a killed worker or a flushed Redis cost a delay.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from dukaan.db.router import use_primary
from notifications.backends import DeliveryError, OutgoingMessage, get_backend
from notifications.models import PREFERENCE_FIELDS, Notification, NotificationSettings, Status
from notifications.relay import kinds_for_event, language_for, recipient_for
from notifications.texts import message_for
from orders.models import OrderEvent
from stores.models import Store

logger = logging.getLogger("dukaan.notify")

RELAY_BATCH = 100
SWEEP_LIMIT = 500
TASK_RELAY = "notifications.relay"
TASK_DELIVER = "notifications.deliver"


# --- The outbox relay -------------------------------------------------------------------------


def _settings_by_store(store_ids: Iterable[int]) -> dict[int, NotificationSettings]:
    ids = set(store_ids)
    found = {s.store_id: s for s in NotificationSettings.objects.filter(store_id__in=ids)}
    return {sid: found.get(sid) or NotificationSettings(store_id=sid) for sid in ids}


def _notifications_for(event: OrderEvent, prefs: NotificationSettings) -> list[Notification]:
    order = event.order
    made = []
    for kind in kinds_for_event(event):
        if not prefs.sends(kind):
            continue
        recipient = recipient_for(kind, order)
        if not recipient:
            continue
        made.append(
            Notification(
                store_id=order.store_id,
                order=order,
                event=event,
                kind=kind,
                recipient=recipient,
                message=_written_in(language_for(kind, order), kind, order, event.payload),
            )
        )
    return made


def _written_in(language: str, kind: str, order: Any, payload: dict) -> str:
    with translation.override(language):
        return message_for(kind, order, payload)


def outbox_relay(*, batch: int = RELAY_BATCH) -> list[int]:
    """Turn every unhandled outbox event into its notifications; returns the new notifications' ids.

    Events are locked with SKIP LOCKED, so relays running at once split the work instead of
    waiting or doubling it; the unique (event, kind) constraint backs that up.
    """
    new_ids: list[int] = []
    with use_primary():
        while True:
            with transaction.atomic():
                events = list(
                    OrderEvent.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(consumed_at__isnull=True)
                    .select_related("order__store__owner")
                    .prefetch_related("order__items")
                    .order_by("id")[:batch]
                )
                if not events:
                    break
                prefs = _settings_by_store(e.store_id for e in events)
                made = [n for e in events for n in _notifications_for(e, prefs[e.store_id])]
                Notification.objects.bulk_create(made, ignore_conflicts=True)
                event_ids = [e.pk for e in events]
                OrderEvent.objects.filter(pk__in=event_ids).update(consumed_at=timezone.now())
                new_ids += (
                    Notification.objects.filter(event_id__in=event_ids, status=Status.PENDING)
                    .order_by("id")
                    .values_list("id", flat=True)
                )
            if len(events) < batch:
                break
    return new_ids


# --- Handing notifications to the worker ------------------------------------------------------


def _inline() -> bool:
    return settings.DUKAAN_NOTIFY_DELIVERY == "inline"


def _publish(task: str, args: list[Any] | None = None, countdown: float | None = None) -> bool:
    """Send a task message; False (logged) when the broker cannot take it: the sweep will resend."""
    from dukaan.celery import app

    try:
        # retry=False: a request committing an order never waits for a broker that is down.
        app.send_task(task, args=args or [], countdown=countdown, retry=False)
        return True
    except Exception as exc:
        logger.warning("broker did not take %s%s: %s (the sweep will resend)", task, args or "", exc)
        return False


def outbox_kick() -> None:
    """After a commit that wrote outbox events: relay them now (rather than at the next sweep)."""
    if _inline():
        deliveries_hand_off(outbox_relay())
    else:
        _publish(TASK_RELAY)


def deliveries_hand_off(notification_ids: Iterable[int], *, countdown: float | None = None) -> None:
    """Deliver these notifications: through the worker, or right here when there is no broker."""
    ids = list(notification_ids)
    if not ids:
        return
    if _inline():
        for pk in ids:
            notification_deliver(notification_id=pk)
        return
    # When the broker was asked to run it: the sweep leaves it alone for a lease after that.
    run_at = timezone.now() + timedelta(seconds=countdown or 0)
    published = [pk for pk in ids if _publish(TASK_DELIVER, [pk], countdown)]
    if published:
        with use_primary():
            Notification.objects.filter(pk__in=published).update(enqueued_at=run_at)


def _due(now: Any) -> Q:
    return Q(status=Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)) | Q(
        status=Status.SENDING, lease_expires_at__lt=now
    )


@dataclass(frozen=True)
class SweepResult:
    relayed: int
    resent: int


def notifications_sweep() -> SweepResult:
    """Relay what the outbox still holds; hand out again what is due but was not picked up in time."""
    relayed = outbox_relay()
    deliveries_hand_off(relayed)
    now = timezone.now()
    stale = now - timedelta(seconds=settings.DUKAAN_NOTIFY_LEASE_SECONDS)
    with use_primary():
        lost = list(
            Notification.objects.filter(_due(now))
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
            .exclude(pk__in=relayed)
            .order_by("id")
            .values_list("id", flat=True)[:SWEEP_LIMIT]
        )
    if lost:
        logger.info("sweep hands out %d notification(s) again", len(lost))
    deliveries_hand_off(lost)
    return SweepResult(relayed=len(relayed), resent=len(lost))


# --- Delivery ---------------------------------------------------------------------------------


def retry_delay(attempt: int) -> float:
    """Seconds before try `attempt + 1`: doubling from DUKAAN_NOTIFY_RETRY_SECONDS up to the cap,
    each drawn from its upper half (jitter), so a provider's outage does not end in a stampede."""
    ceiling = min(
        settings.DUKAAN_NOTIFY_RETRY_MAX_SECONDS,
        settings.DUKAAN_NOTIFY_RETRY_SECONDS * 2 ** max(attempt - 1, 0),
    )
    return random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class DeliveryOutcome:
    result: str  # delivered | retry | failed | skipped
    retry_in: float | None = None


def notification_deliver(*, notification_id: int) -> DeliveryOutcome:
    """Send one notification if it is due and no one else is sending it; record what happened."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.DUKAAN_NOTIFY_LEASE_SECONDS)
    with use_primary():
        # The claim: one worker wins it; a duplicate task message finds nothing to do.
        taken = Notification.objects.filter(_due(now), pk=notification_id).update(
            status=Status.SENDING, attempts=F("attempts") + 1, lease_expires_at=lease, updated_at=now
        )
        if not taken:
            return DeliveryOutcome("skipped")
        notification = Notification.objects.select_related("store", "order").get(pk=notification_id)
        message = OutgoingMessage(
            to=notification.recipient,
            event=notification.kind,
            store=notification.store.slug,
            order=notification.order.number,
            message=notification.message,
            idempotency_key=notification.idempotency_key,
        )
        error: DeliveryError | None = None
        try:
            answer = get_backend().send(message)
        except DeliveryError as exc:
            error = exc
        except ImproperlyConfigured as exc:  # fixed by an operator: worth trying again later
            error = DeliveryError(str(exc), retryable=True)
        # Only while our claim stands: a worker that took over after our lease ran out wins.
        mine = Notification.objects.filter(
            pk=notification_id, status=Status.SENDING, attempts=notification.attempts
        )
        done = timezone.now()
        if error is None:
            mine.update(
                status=Status.DELIVERED,
                delivered_at=done,
                lease_expires_at=None,
                next_attempt_at=None,
                provider_status=answer.status,
                provider_response=answer.body[:500],
                last_error="",
                updated_at=done,
            )
            logger.info("notification %s (%s) delivered", notification_id, notification.kind)
            return DeliveryOutcome("delivered")
        answer_fields = {
            "provider_status": error.status,
            "provider_response": error.body[:500],
            "last_error": f"try {notification.attempts}: {error}"[:500],
            "lease_expires_at": None,
            "updated_at": done,
        }
        if error.retryable and notification.attempts < settings.DUKAAN_NOTIFY_MAX_ATTEMPTS:
            delay = retry_delay(notification.attempts)
            mine.update(
                status=Status.PENDING, next_attempt_at=done + timedelta(seconds=delay), **answer_fields
            )
            logger.warning(
                "notification %s: %s; try %d of %d in %.1fs",
                notification_id,
                error,
                notification.attempts + 1,
                settings.DUKAAN_NOTIFY_MAX_ATTEMPTS,
                delay,
            )
            return DeliveryOutcome("retry", retry_in=delay)
        mine.update(status=Status.FAILED, failed_at=done, next_attempt_at=None, **answer_fields)
        logger.error(
            "notification %s (%s to store %s) failed after %d tries: %s",
            notification_id,
            notification.kind,
            notification.store.slug,
            notification.attempts,
            error,
        )
        return DeliveryOutcome("failed")


def notification_resend(*, notification: Notification) -> Notification:
    """Send a failed notification again, with the same text and idempotency key, from try one."""
    with use_primary(), transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        if locked.status != Status.FAILED:
            raise ValidationError(
                f"Only a failed notification can be sent again (this one is {locked.status})."
            )
        locked.status = Status.PENDING
        locked.attempts = 0
        locked.next_attempt_at = None
        locked.failed_at = None
        locked.enqueued_at = None
        locked.save(
            update_fields=["status", "attempts", "next_attempt_at", "failed_at", "enqueued_at", "updated_at"]
        )
        transaction.on_commit(lambda: deliveries_hand_off([locked.pk]), robust=True)
    return locked


# --- A store's choices ------------------------------------------------------------------------


def notification_settings_update(*, store: Store, **changes: object) -> NotificationSettings:
    """Turn kinds of notification on or off for `store`; only the kinds passed are touched."""
    errors: dict[str, list[str]] = {}
    for field, value in changes.items():
        if field not in PREFERENCE_FIELDS:
            errors.setdefault(field, []).append(
                "Unknown notification. Use one of: " + ", ".join(PREFERENCE_FIELDS) + "."
            )
        elif not isinstance(value, bool):
            errors.setdefault(field, []).append("Must be true or false.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        prefs, _ = NotificationSettings.objects.select_for_update().get_or_create(store=store)
        for field, value in changes.items():
            setattr(prefs, field, value)
        if changes:
            prefs.save(update_fields=[*changes, "updated_at"])
    return prefs
