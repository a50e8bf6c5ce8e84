"""Payment gateways by name. Only the built-in fake gateway exists so far; a real one plugs in here."""

from __future__ import annotations

from django.conf import settings

from payments.providers.base import InvalidEvent, PaymentProvider, ProviderEvent

__all__ = [
    "InvalidEvent",
    "PaymentProvider",
    "ProviderEvent",
    "default_gateway",
    "gateway_enabled",
    "get_provider",
]


def _providers() -> dict[str, PaymentProvider]:
    from payments.providers.fake import FakeProvider

    registry: dict[str, PaymentProvider] = {}
    if gateway_enabled():
        registry[FakeProvider.name] = FakeProvider()
    return registry


def gateway_enabled() -> bool:
    """The fake gateway pays any order with one click, so it is off unless asked for (or in DEBUG/tests)."""
    return bool(settings.DUKAAN_FAKE_GATEWAY_ENABLED)


def get_provider(name: str) -> PaymentProvider | None:
    return _providers().get(name)


def default_gateway() -> PaymentProvider | None:
    return next(iter(_providers().values()), None)
