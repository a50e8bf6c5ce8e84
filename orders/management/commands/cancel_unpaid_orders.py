"""Cancel orders left waiting for payment, so the units they hold go back on sale."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.services import unpaid_orders_release


class Command(BaseCommand):
    help = (
        "Cancel orders still unpaid after their hold (gateway: DUKAAN_UNPAID_ORDER_MINUTES, "
        "UPI: DUKAAN_UNPAID_UPI_HOURS); their stock is restored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--gateway-minutes",
            type=float,
            default=None,
            help="Hold of an unpaid gateway order (default: DUKAAN_UNPAID_ORDER_MINUTES).",
        )
        parser.add_argument(
            "--upi-minutes",
            type=float,
            default=None,
            help="Hold of a UPI order not yet confirmed (default: DUKAAN_UNPAID_UPI_HOURS, in minutes).",
        )
        parser.add_argument(
            "--keep-upi", action="store_true", help="Leave UPI orders alone whatever their age."
        )
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be cancelled.")

    def handle(
        self,
        *args: Any,
        gateway_minutes: float | None,
        upi_minutes: float | None,
        keep_upi: bool,
        dry_run: bool,
        **options: Any,
    ) -> None:
        gateway = settings.DUKAAN_UNPAID_ORDER_MINUTES if gateway_minutes is None else gateway_minutes
        upi = settings.DUKAAN_UNPAID_UPI_HOURS * 60 if upi_minutes is None else upi_minutes
        if keep_upi:
            upi = None
        try:
            result = unpaid_orders_release(gateway_minutes=gateway, upi_minutes=upi, dry_run=dry_run)
        except ValueError as exc:
            # 0 or less would cancel orders whose customer is paying right now.
            raise CommandError(str(exc)) from exc
        upi_text = "UPI kept" if upi is None else f"UPI after {upi:g} min"
        total = len(result.found)
        self.stdout.write(
            f"{total} unpaid order(s) past their hold (gateway after {gateway:g} min, {upi_text})."
        )
        skipped = dict((order.id, reason) for order, reason in result.skipped)
        for index, order in enumerate(result.found, start=1):
            label = f"[{index}/{total}] store {order.store_id} order #{order.number} ({order.payment_method})"
            if dry_run:
                self.stdout.write(f"{label}: would cancel")
            elif order.id in skipped:
                self.stdout.write(f"{label}: skipped ({skipped[order.id]})")
            else:
                self.stdout.write(f"{label}: cancelled, stock restored")
        if dry_run:
            self.stdout.write(f"Dry run: {total} would be cancelled, nothing changed.")
            return
        self.stdout.write(f"Done: {len(result.cancelled)} cancelled.")
