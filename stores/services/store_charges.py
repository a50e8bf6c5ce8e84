"""Writes for a store's extra charges (packing, a service fee): added, changed, removed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dukaan.money import parse_amount
from stores.models import ChargeKind, Store, StoreCharge

CHARGE_NAME_MAX_LENGTH = 60
MAX_CHARGES_PER_STORE = 10
_UNSET: Any = object()


def _clean_name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError({"name": [_("Name the charge, e.g. Packing.")]})
    name = " ".join(raw.split())
    if len(name) > CHARGE_NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": [_("Keep the name to %(max)d characters.") % {"max": CHARGE_NAME_MAX_LENGTH}]}
        )
    return name


def _clean_kind(raw: object) -> str:
    if raw not in ChargeKind.values:
        raise ValidationError({"kind": [_('Choose "percent" or "flat".')]})
    return str(raw)


def _clean_amount(raw: object, kind: str) -> Decimal:
    label = _("Percent") if kind == ChargeKind.PERCENT else _("Amount")
    maximum = Decimal("100") if kind == ChargeKind.PERCENT else Decimal("100000")
    try:
        return parse_amount(raw, label=label, maximum=maximum)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.messages}) from None


def _clean_active(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValidationError({"is_active": [_("Must be true or false.")]})
    return raw


def _collect(checks: list[tuple[str, object, Any]]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, raw, validator in checks:
        if raw is _UNSET:
            continue
        try:
            values[field] = validator(raw)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    return values, errors


def store_charge_create(
    *, store: Store, name: object, kind: object, amount: object, is_active: object = True
) -> StoreCharge:
    """Add a charge every order at `store` pays; all fields are checked before anything is written."""
    values, errors = _collect(
        [("name", name, _clean_name), ("kind", kind, _clean_kind), ("is_active", is_active, _clean_active)]
    )
    # The amount's range depends on the kind (a percent is at most 100); with no valid kind, the
    # amount is checked as a flat amount so its own mistakes are still reported.
    amount_values, amount_errors = _collect(
        [("amount", amount, lambda raw: _clean_amount(raw, values.get("kind", ChargeKind.FLAT)))]
    )
    values.update(amount_values)
    errors.update(amount_errors)
    if StoreCharge.objects.filter(store=store).count() >= MAX_CHARGES_PER_STORE:
        errors.setdefault("name", []).append(
            _("A store can have at most %(max)d charges.") % {"max": MAX_CHARGES_PER_STORE}
        )
    if errors:
        raise ValidationError(errors)
    return StoreCharge.objects.create(store=store, **values)


def store_charge_update(
    *,
    charge: StoreCharge,
    name: object = _UNSET,
    kind: object = _UNSET,
    amount: object = _UNSET,
    is_active: object = _UNSET,
) -> StoreCharge:
    """Change a charge; only the arguments passed are touched. Orders placed keep what they paid."""
    values, errors = _collect(
        [("name", name, _clean_name), ("kind", kind, _clean_kind), ("is_active", is_active, _clean_active)]
    )
    new_kind = values.get("kind", charge.kind)
    # A switch to "percent" must re-check the amount it keeps against 100.
    amount_raw = amount if amount is not _UNSET else (charge.amount if "kind" in values else _UNSET)
    amount_values, amount_errors = _collect(
        [("amount", amount_raw, lambda raw: _clean_amount(raw, new_kind))]
    )
    values.update(amount_values)
    errors.update(amount_errors)
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(charge, field, value)
    if values:
        charge.save(update_fields=list(values))
    return charge


def store_charge_delete(*, charge: StoreCharge) -> None:
    charge.delete()
