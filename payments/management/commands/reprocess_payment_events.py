"""Retry payment webhooks that are stored but not processed (after a crash or a bug fix)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments.models import PaymentEvent, PaymentEventStatus
from payments.webhooks import payment_events_reprocess


class Command(BaseCommand):
    help = "Process every payment webhook event still pending, oldest first. Safe to run repeatedly."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Process at most this many events.")

    def handle(self, *args: Any, limit: int | None = None, **options: Any) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be 1 or more (leave it out to process every pending event).")
        total = PaymentEvent.objects.filter(status=PaymentEventStatus.PENDING).count()
        self.stdout.write(f"{total} pending payment event(s).")
        results = payment_events_reprocess(limit=limit)
        failed = 0
        for index, (event, outcome, error) in enumerate(results, start=1):
            label = f"[{index}/{len(results)}] {event.provider}:{event.event_id} ({event.event_type})"
            if error:
                failed += 1
                self.stderr.write(f"{label}: still pending: {error}")
            else:
                self.stdout.write(f"{label}: {outcome}")
        self.stdout.write(f"Done: {len(results) - failed} processed, {failed} still pending.")
