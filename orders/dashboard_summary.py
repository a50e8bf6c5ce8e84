"""The seller's day at a glance, for the dashboard home: today's orders, what waits, the latest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from orders.models import CLOSED_STATUSES, Order, OrderStatus, PaymentMethod
from stores.models import Store

RECENT_ORDERS = 5
# What the seller must act on: placed orders to accept, and UPI orders whose money only they can
# confirm. (Online payments confirm themselves.)
NEEDS_ACTION = Q(status=OrderStatus.PLACED) | Q(
    status=OrderStatus.PENDING_PAYMENT, payment_method=PaymentMethod.UPI
)


@dataclass
class OrderSummary:
    currency: str
    today_count: int = 0
    today_revenue: Decimal = Decimal("0.00")
    waiting_count: int = 0
    recent: list[Order] = field(default_factory=list)


def store_order_summaries(*, stores: Sequence[Store], now: datetime | None = None) -> dict[int, OrderSummary]:
    """Per store: today's orders (in the site's time zone, closed ones left out) and their revenue,
    orders waiting for the seller, and the last few orders. Two queries, however many stores."""
    summaries = {s.id: OrderSummary(currency=s.currency) for s in stores}
    if not summaries:
        return summaries
    local_now = timezone.localtime(now)
    start = timezone.make_aware(datetime.combine(local_now.date(), time.min), local_now.tzinfo)
    is_today = Q(created_at__gte=start, created_at__lt=start + timedelta(days=1))
    rows = (
        Order.objects.filter(store_id__in=summaries)
        .exclude(status__in=CLOSED_STATUSES)
        .values("store_id")
        .annotate(
            today_count=Count("id", filter=is_today),
            today_revenue=Sum("total", filter=is_today),
            waiting_count=Count("id", filter=NEEDS_ACTION),
        )
        .order_by()
    )
    for row in rows:
        summary = summaries[row["store_id"]]
        summary.today_count = row["today_count"]
        summary.today_revenue = row["today_revenue"] or Decimal("0.00")
        summary.waiting_count = row["waiting_count"]
    recent = defaultdict(list)
    newest_first = [F("created_at").desc(), F("id").desc()]
    latest = (
        Order.objects.filter(store_id__in=summaries)
        .annotate(rank=Window(RowNumber(), partition_by=F("store_id"), order_by=newest_first))
        .filter(rank__lte=RECENT_ORDERS)
        .order_by("store_id", *newest_first)
    )
    for order in latest:
        recent[order.store_id].append(order)
    for store_id, orders in recent.items():
        summaries[store_id].recent = orders
    return summaries
