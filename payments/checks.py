"""System checks of the payments app: said on every `runserver`, `migrate` and `check`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register()
def webhook_secret_is_not_the_public_default(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Anyone who has read this repository knows the development webhook secret, and with it can
    sign a "payment succeeded" event for any order."""
    if settings.DUKAAN_PAYMENT_WEBHOOK_SECRET != settings.DEV_PAYMENT_WEBHOOK_SECRET:
        return []
    return [
        Warning(
            "DUKAAN_PAYMENT_WEBHOOK_SECRET is the public development default: anyone can sign a "
            "payment webhook and mark an order paid.",
            hint="Fine on a laptop. Anywhere else set DUKAAN_PAYMENT_WEBHOOK_SECRET to the secret "
            "your payment gateway signs webhooks with.",
            id="payments.W001",
        )
    ]
