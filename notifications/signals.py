"""The one hook into orders: a new outbox row asks for a relay once its transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from notifications.services import outbox_kick
from orders.models import OrderEvent


def outbox_event_saved(sender: type[OrderEvent], instance: OrderEvent, created: bool, **kwargs: Any) -> None:
    if created:
        # After the commit only (a rolled-back order tells no one), and robust: a broker that is
        # down must not turn a placed order into an error page; the sweep relays it later.
        transaction.on_commit(outbox_kick, using=kwargs.get("using"), robust=True)
