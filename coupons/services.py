"""Writes for coupons: a seller adds, changes and removes them; an order takes a use and gives it back.

Every value is checked before anything is written, and errors come back together, by field.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coupons.models import Coupon, CouponKind
from dukaan.money import parse_amount
from stores.models import Store

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,29}$")
MAX_COUPONS_PER_STORE = 200
MAX_LIMIT = 1_000_000
_UNSET: Any = object()
FIELDS = (
    "code",
    "kind",
    "value",
    "max_discount",
    "min_order",
    "starts_at",
    "expires_at",
    "usage_limit",
    "per_customer_limit",
    "is_active",
)


def normalize_code(raw: object) -> str:
    """The code as a shopper's typing is compared: trimmed, any case (stored as the seller wrote it)."""
    return raw.strip() if isinstance(raw, str) else ""


def _code(raw: object) -> str:
    code = normalize_code(raw)
    if not CODE_RE.match(code):
        raise ValidationError(_("Use 2-30 letters, digits, - or _, e.g. DIWALI10."))
    return code


def _kind(raw: object) -> str:
    if raw not in CouponKind.values:
        raise ValidationError(_('Choose "percent", "flat" or "free_delivery".'))
    return str(raw)


def _optional_amount(label: str):
    def clean(raw: object) -> Decimal | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return parse_amount(raw, label=label)

    return clean


def _when(raw: object) -> datetime | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = parse_datetime(raw.strip())
        except ValueError:
            value = None
        if value is None:
            raise ValidationError(_("Enter a date and time like 2026-11-01T00:00:00+05:30."))
    else:
        raise ValidationError(_("Enter a date and time like 2026-11-01T00:00:00+05:30."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # in the site's time zone (IST), as a seller means it
    return value


def _limit(raw: object) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not (
        isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit())
    ):
        raise ValidationError(_("Enter a whole number of orders, or leave it empty for no limit."))
    number = int(raw)
    if not 1 <= number <= MAX_LIMIT:
        raise ValidationError(
            _("Enter a whole number from 1 to %(max)s, or leave it empty for no limit.")
            % {"max": f"{MAX_LIMIT:,}"}
        )
    return number


def _active(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValidationError(_("Must be true or false."))
    return raw


CLEANERS = {
    "code": _code,
    "kind": _kind,
    "value": _optional_amount(gettext_lazy("Value")),
    "max_discount": _optional_amount(gettext_lazy("Maximum discount")),
    "min_order": _optional_amount(gettext_lazy("Minimum order")),
    "starts_at": _when,
    "expires_at": _when,
    "usage_limit": _limit,
    "per_customer_limit": _limit,
    "is_active": _active,
}


def _clean(changes: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The cleaned changes, checked as a whole with what they do not change (`current`)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field, raw in changes.items():
        try:
            cleaned[field] = CLEANERS[field](raw)
        except ValidationError as exc:
            errors[field] = exc.messages
    merged = {**current, **cleaned}
    kind = merged.get("kind")
    if "kind" not in errors and kind is not None:
        value = merged.get("value")
        if kind == CouponKind.FREE_DELIVERY:
            if cleaned.get("value") is not None:
                errors.setdefault("value", []).append(_("A free-delivery coupon takes no value."))
            cleaned["value"] = None
            merged["value"] = None
        elif "value" not in errors:
            if value is None or value <= 0:
                errors.setdefault("value", []).append(_("Enter how much the coupon takes off."))
            elif kind == CouponKind.PERCENT and value > 100:
                errors.setdefault("value", []).append(_("A percent coupon takes off at most 100%."))
        if kind != CouponKind.PERCENT and cleaned.get("max_discount") is not None:
            errors.setdefault("max_discount", []).append(_("Only a percent coupon has a maximum discount."))
    starts, expires = merged.get("starts_at"), merged.get("expires_at")
    if starts and expires and expires <= starts and "expires_at" not in errors:
        errors.setdefault("expires_at", []).append(_("The coupon must expire after it starts."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _saved(coupon: Coupon, fields: list[str] | None = None) -> Coupon:
    try:
        with transaction.atomic():
            coupon.save(update_fields=fields)
    except IntegrityError:
        raise ValidationError({"code": [_("This store already has a coupon with this code.")]}) from None
    return coupon


def coupon_create(*, store: Store, **values: Any) -> Coupon:
    """Add a coupon to `store` from the fields of SPEC section 7 (`code` and `kind` required)."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    missing = {
        name: [_("This field is required.")] for name in ("code", "kind") if values.get(name) in (None, "")
    }
    cleaned = _clean(values, {})  # field errors first, then what is missing
    if missing:
        raise ValidationError(missing)
    if Coupon.objects.filter(store=store).count() >= MAX_COUPONS_PER_STORE:
        raise ValidationError(
            {"code": [_("A store can have at most %(max)d coupons.") % {"max": MAX_COUPONS_PER_STORE}]}
        )
    return _saved(Coupon(store=store, **cleaned))


def coupon_update(*, coupon: Coupon, **changes: Any) -> Coupon:
    """Change a coupon; only the fields passed are touched. Uses already taken stay taken."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    current = {field: getattr(coupon, field) for field in FIELDS}
    cleaned = _clean(changes, current)
    if cleaned.get("usage_limit") is not None and cleaned["usage_limit"] < coupon.used_count:
        raise ValidationError(
            {
                "usage_limit": [
                    ngettext(
                        "%(count)d order already used it.",
                        "%(count)d orders already used it.",
                        coupon.used_count,
                    )
                    % {"count": coupon.used_count}
                ]
            }
        )
    for field, value in cleaned.items():
        setattr(coupon, field, value)
    return _saved(coupon, [*cleaned, "updated_at"]) if cleaned else coupon


def coupon_delete(*, coupon: Coupon) -> None:
    """Remove a coupon; orders that used it keep its code and their discount."""
    coupon.delete()


def coupon_use_take(*, coupon: Coupon) -> bool:
    """Count one more order using `coupon`, unless its usage limit is reached. Run in the order's
    transaction: the conditional UPDATE makes N concurrent orders for a limit of K take exactly K."""
    taken = Coupon.objects.filter(pk=coupon.pk)
    if coupon.usage_limit is not None:
        taken = taken.filter(used_count__lt=F("usage_limit"))
    return taken.update(used_count=F("used_count") + 1) == 1


def coupon_use_give_back(*, coupon_id: int) -> None:
    """A cancelled or rejected order's use (the caller makes sure it happens once, with its stock)."""
    Coupon.objects.filter(pk=coupon_id, used_count__gt=0).update(used_count=F("used_count") - 1)
