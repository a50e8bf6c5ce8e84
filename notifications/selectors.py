"""Reads for notifications: a store's recent ones and choices, and the queue's state for operators."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from dukaan.db.router import use_primary
from notifications.models import Notification, NotificationSettings, Status
from orders.models import OrderEvent
from stores.models import Store

logger = logging.getLogger("dukaan.notify")


def store_notifications(*, store: Store, status: str | None = None) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(store=store).select_related("order")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def store_notification_settings(*, store: Store) -> NotificationSettings:
    """The store's choices; the defaults (unsaved) when it never changed them."""
    return NotificationSettings.objects.filter(store=store).first() or NotificationSettings(store=store)


def _age(oldest: Any) -> float | None:
    return round((timezone.now() - oldest).total_seconds(), 1) if oldest else None


def broker_queue_depth() -> int | None:
    """Messages waiting in the Celery queue on Redis; None without a Redis broker (or if it is down)."""
    url = settings.DUKAAN_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return int(client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))
    except redis.RedisError as exc:
        logger.warning("broker queue depth unavailable: %s", exc)
        return None


def queue_status() -> dict[str, Any]:
    """For /readyz and the admin: what waits to be relayed and delivered, and for how long."""
    with use_primary():
        waiting = Notification.objects.filter(status__in=[Status.PENDING, Status.SENDING]).aggregate(
            count=Count("id"), oldest=Min("created_at")
        )
        outbox = OrderEvent.objects.filter(consumed_at__isnull=True).aggregate(
            count=Count("id"), oldest=Min("created_at")
        )
        failed = Notification.objects.filter(status=Status.FAILED).count()
    return {
        "delivery": settings.DUKAAN_NOTIFY_DELIVERY,
        "backend": settings.DUKAAN_NOTIFY_BACKEND,
        "undelivered": waiting["count"],
        "oldest_undelivered_seconds": _age(waiting["oldest"]),
        "outbox_unrelayed": outbox["count"],
        "oldest_unrelayed_seconds": _age(outbox["oldest"]),
        "failed": failed,
        "broker_queue_depth": broker_queue_depth(),
    }
