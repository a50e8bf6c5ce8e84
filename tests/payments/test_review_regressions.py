"""Review regressions for the payment management commands."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.django_db
@pytest.mark.parametrize("limit", ["0", "-1"])
def test_reprocess_payment_events_refuses_a_limit_below_one_with_a_message(limit):
    with pytest.raises(CommandError, match="--limit must be 1 or more"):
        call_command("reprocess_payment_events", "--limit", limit)
