"""Cancel orders left waiting for payment, so the units they hold go back on sale."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from orders.models import Order, OrderStatus, PaymentMethod
from orders.services import OrderError, order_status_change


class Command(BaseCommand):
    help = "Cancel online-payment orders still unpaid after --hours (default 24); their stock is restored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=float, default=24.0, help="Age after which an unpaid order is cancelled."
        )
        parser.add_argument(
            "--include-upi",
            action="store_true",
            help="Also cancel UPI orders the seller has not confirmed (off: sellers confirm UPI by hand).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be cancelled.")

    def handle(self, *args: Any, hours: float, include_upi: bool, dry_run: bool, **options: Any) -> None:
        if not hours > 0:  # also refuses NaN
            # 0 or less would cancel orders whose customer is paying right now.
            raise CommandError("--hours must be more than 0 (unpaid orders younger than that are kept).")
        methods = [PaymentMethod.GATEWAY] + ([PaymentMethod.UPI] if include_upi else [])
        cutoff = timezone.now() - timedelta(hours=hours)
        stale = Order.objects.filter(
            status=OrderStatus.PENDING_PAYMENT,
            paid_at__isnull=True,
            payment_method__in=methods,
            created_at__lt=cutoff,
        ).order_by("id")
        total = stale.count()
        self.stdout.write(f"{total} unpaid order(s) older than {hours:g} hours.")
        cancelled = 0
        for index, order in enumerate(stale.iterator(), start=1):
            label = f"[{index}/{total}] store {order.store_id} order #{order.number}"
            if dry_run:
                self.stdout.write(f"{label}: would cancel")
                continue
            try:
                order_status_change(
                    order=order,
                    status=OrderStatus.CANCELLED,
                    reason=f"Not paid within {hours:g} hours",
                    by_seller=False,
                )
            except OrderError as exc:  # paid or moved meanwhile
                self.stdout.write(f"{label}: skipped ({exc.messages[0]})")
                continue
            cancelled += 1
            self.stdout.write(f"{label}: cancelled, stock restored")
        if dry_run:
            self.stdout.write(f"Dry run: {total} would be cancelled, nothing changed.")
            return
        self.stdout.write(f"Done: {cancelled} cancelled.")
