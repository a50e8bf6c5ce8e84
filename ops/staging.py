"""Staging data: production-sized synthetic data, and sanitizing a restored copy.

On a tiny staging database an `ORDER BY price` is instant that takes production down on a big
store. Staging must have production's shape — many stores, a 2,000-product store —
without production's people: every name, phone, address, token, OTP and payment reference is
replaced, and money is scrambled while totals still add up.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import Case, CharField, Value, When
from django.db.models.functions import Cast, Concat, LPad
from rest_framework.authtoken.models import Token

from notifications.models import Notification
from ops.models import EnvironmentMarker
from orders.models import Order, OrderEvent, OrderItem
from payments.models import Payment, PaymentEvent, PaymentEventStatus
from products.models import Category, Product
from stores.models import OtpChallenge, Store, User

PAISE = Decimal("0.01")
REMOVED_REASON = "Reason removed on staging"
REMOVED_REVIEW_REASON = "Flagged for review (reason removed on staging)"
PLACEHOLDER_STREET = "Staging Street, Test Nagar"
PLACEHOLDER_PINCODE = "560001"
# Every word the sanitizer writes in place of a person's (the leak check ignores values made of
# these alone: a real "Asha Sharma" cannot be told apart from a fake one).
PLACEHOLDER_WORDS = (PLACEHOLDER_STREET, PLACEHOLDER_PINCODE, REMOVED_REASON, REMOVED_REVIEW_REASON)
BATCH = 1000
Progress = Callable[[str, int, int], None]

FIRST_NAMES = ["Asha", "Ravi", "Meena", "Arjun", "Fatima", "Kiran", "Suresh", "Lakshmi", "Imran", "Priya"]
LAST_NAMES = ["Sharma", "Iyer", "Khan", "Patel", "Reddy", "Das", "Singh", "Nair", "Gupta", "Joshi"]


class ProductionDatabaseError(RuntimeError):
    """Raised instead of touching a database that is marked as production."""


def database_marked_production() -> str | None:
    """Why this database counts as production, or None.

    Three marks count: DUKAAN_ENVIRONMENT=production in the environment, a "production" row in
    ops_environmentmarker (`manage.py mark_environment production`), and on PostgreSQL a database
    comment containing "production" (`COMMENT ON DATABASE dukaan IS 'production'`). A pg_dump of a
    database does not carry its comment, and refresh_staging dumps without the marker rows, so a
    refreshed copy is not marked; a hand-restored raw copy keeps the marker row and is refused.
    """
    if settings.DUKAAN_ENVIRONMENT == "production":
        return "DUKAAN_ENVIRONMENT is 'production'"
    if EnvironmentMarker._meta.db_table in connection.introspection.table_names():
        marked = EnvironmentMarker.objects.filter(environment="production").first()
        if marked is not None:
            return f"its {EnvironmentMarker._meta.db_table} row says 'production' ({marked})"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                " WHERE datname = current_database()"
            )
            comment = (cursor.fetchone() or [None])[0] or ""
        if "production" in comment.lower():
            return f"the database comment says {comment!r}"
    return None


def _batched(queryset, size: int = BATCH) -> Iterable[list]:
    last_id = 0
    while True:
        rows = list(queryset.filter(id__gt=last_id).order_by("id")[:size])
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def placeholder_phone(index: int) -> str:
    # +91 50…: the shape of an Indian number but no real mobile range, so a sanitized record can
    # never text, or be mistaken for, a real person; unique per index.
    return f"+9150{index:08d}"


def _seed_phone(index: int) -> str:
    # Seeded sellers sign up through the normal path, so they need valid mobile numbers.
    return f"+9170{index:08d}"


def _fake_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _money(value: Decimal) -> Decimal:
    return value.quantize(PAISE, rounding=ROUND_HALF_UP)


@dataclass
class SanitizeReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, number: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + number


def sanitize_database(*, seed: int | None = None, progress: Progress | None = None) -> SanitizeReport:
    """Replace personal data and scramble money in the current database, in one transaction.

    Row counts and relations are kept; order item and order totals are recomputed from the
    scrambled prices so every order still adds up.
    """
    reason = database_marked_production()
    if reason:
        raise ProductionDatabaseError(f"Refusing to sanitize a production database: {reason}.")
    rng = random.Random(seed if seed is not None else secrets.randbits(64))
    report = SanitizeReport()
    tell = progress or (lambda what, done, total: None)

    with transaction.atomic():
        # Secrets nobody in staging may reuse: sessions, API tokens and one-time codes go.
        report.add("sessions deleted", Session.objects.all().delete()[0])
        report.add("api tokens deleted", Token.objects.all().delete()[0])
        report.add("otp codes deleted", OtpChallenge.objects.all().delete()[0])

        # Park every phone on a unique placeholder first, so a fake number can never collide
        # with a real one that has not been replaced yet (phone is unique).
        User.objects.update(phone=Concat(Value("tmp"), Cast("id", CharField())))
        total = User.objects.count()
        done = 0
        for rows in _batched(User.objects.all()):
            for user in rows:
                user.phone = placeholder_phone(user.id)
                user.name = _fake_name(rng) if user.name else ""
                user.set_unusable_password()
            User.objects.bulk_update(rows, ["phone", "name", "password"])
            done += len(rows)
            tell("users", done, total)
        report.add("users", done)

        total, done = Store.objects.count(), 0
        for rows in _batched(Store.objects.all()):
            for store in rows:
                whatsapp = placeholder_phone(10_000_000 + store.id)
                store.whatsapp_number = whatsapp if store.whatsapp_number else ""
                store.upi_id = f"store{store.id}@staging" if store.upi_id else ""
            Store.objects.bulk_update(rows, ["whatsapp_number", "upi_id"])
            done += len(rows)
            tell("stores", done, total)
        report.add("stores", done)

        # One factor per product so a product keeps one price across all its order lines.
        factors: dict[int, Decimal] = {}
        total, done = Product.objects.count(), 0
        for rows in _batched(Product.objects.all()):
            for product in rows:
                factor = Decimal(rng.randint(50, 150)) / 100
                factors[product.id] = factor
                product.price = max(_money(product.price * factor), PAISE)
                if product.mrp is not None:
                    product.mrp = max(_money(product.mrp * factor), product.price)
            Product.objects.bulk_update(rows, ["price", "mrp"])
            done += len(rows)
            tell("products", done, total)
        report.add("products", done)

        total, done = Order.objects.count(), 0
        for rows in _batched(Order.objects.all()):
            order_ids = [order.id for order in rows]
            items_by_order: dict[int, list[OrderItem]] = {}
            for item in OrderItem.objects.filter(order_id__in=order_ids):
                factor = factors.get(item.product_id) or Decimal(rng.randint(50, 150)) / 100
                item.unit_price = max(_money(item.unit_price * factor), PAISE)
                item.line_total = item.unit_price * item.quantity
                items_by_order.setdefault(item.order_id, []).append(item)
            OrderItem.objects.bulk_update(
                [i for items in items_by_order.values() for i in items], ["unit_price", "line_total"]
            )
            payments = list(Payment.objects.filter(order_id__in=order_ids))
            for order in rows:
                extra = order.total - order.subtotal  # delivery or fees on top of the goods
                order.subtotal = sum(
                    (i.line_total for i in items_by_order.get(order.id, [])), Decimal("0.00")
                )
                order.total = order.subtotal + extra
                order.customer_name = _fake_name(rng)
                order.customer_phone = placeholder_phone(20_000_000 + order.id)
                order.address = f"{order.id} {PLACEHOLDER_STREET}"
                order.pincode = PLACEHOLDER_PINCODE
                order.note = ""
                order.token = secrets.token_urlsafe(24)
                order.checkout_key = None
                order.tracking_id = f"TRK{order.id}" if order.tracking_id else ""
                # A seller's own words about a customer ("no answer at 9876…"): never kept.
                order.reason = REMOVED_REASON if order.reason else ""
                order.checkout_fingerprint = ""
            totals = {order.id: order.total for order in rows}
            for payment in payments:
                payment.amount = totals[payment.order_id]
                payment.provider_ref = f"stg_{payment.id}" if payment.provider_ref else None
                # Review reasons quote the real amounts ("Gateway reported 351.00 INR, …").
                payment.review_reason = REMOVED_REVIEW_REASON if payment.review_reason else ""
            Order.objects.bulk_update(
                rows,
                [
                    "subtotal", "total", "customer_name", "customer_phone", "address", "pincode",
                    "note", "token", "checkout_key", "tracking_id", "reason", "checkout_fingerprint",
                ],
            )  # fmt: skip
            Payment.objects.bulk_update(payments, ["amount", "provider_ref", "review_reason"])
            done += len(rows)
            tell("orders", done, total)
        report.add("orders", done)

        # Raw provider events and event payloads carry customer details and references; the
        # gateway's event ids look the event up at the gateway, so they are replaced too.
        report.add(
            "payment events scrubbed",
            PaymentEvent.objects.update(
                body="{}",
                last_error="",
                event_id=Case(
                    When(event_id__isnull=True, then=Value(None)),
                    default=Concat(Value("stg_evt_"), Cast("id", CharField())),
                ),
            ),
        )
        # An unreadable event's outcome is the parser's error, which may quote the body.
        PaymentEvent.objects.filter(status=PaymentEventStatus.INVALID).update(outcome="")
        report.add("order events scrubbed", OrderEvent.objects.update(payload={}))
        # A notification's text names the customer, their items and total, and goes to a phone;
        # the provider's answer may echo it. Kept as rows (the counts), emptied of people.
        report.add(
            "notifications scrubbed",
            Notification.objects.update(
                recipient=Concat(Value("+9150"), LPad(Cast("id", CharField()), 8, Value("0"))),
                message=Concat(Value("Staging notification "), Cast("id", CharField())),
                provider_response="",
                last_error="",
            ),
        )
        report.add("admin log entries scrubbed", _scrub_admin_log())
    return report


def _scrub_admin_log() -> int:
    """The admin log names each object by str(obj) (a seller's phone, a payment's amount).

    object_repr becomes "<model> <id>"; change messages keep which fields changed but lose the
    "object" names of related rows they quote.
    """
    done = 0
    for rows in _batched(LogEntry.objects.select_related("content_type")):
        for entry in rows:
            model = entry.content_type.model if entry.content_type else "object"
            entry.object_repr = f"{model} {entry.object_id or '?'}"
            entry.change_message = _scrub_change_message(entry.change_message)
        LogEntry.objects.bulk_update(rows, ["object_repr", "change_message"])
        done += len(rows)
    return done


def _scrub_change_message(message: str) -> str:
    try:
        parsed = json.loads(message) if message else []
    except ValueError:
        return ""  # a free-text message (old Django, or written by hand): nothing to keep
    if not isinstance(parsed, list):
        return ""
    for action in parsed:
        for detail in action.values() if isinstance(action, dict) else ():
            if isinstance(detail, dict):
                detail.pop("object", None)
    return json.dumps(parsed)


def seed_staging(
    *, stores: int, products_per_store: int, big_store_products: int, seed: int = 1,
    progress: Progress | None = None,
) -> dict[str, int]:  # fmt: skip
    """Production-shaped synthetic data: many stores, and one store with a big catalogue."""
    rng = random.Random(seed)
    tell = progress or (lambda what, done, total: None)
    created = {"stores": 0, "products": 0}
    existing = Store.objects.filter(slug__startswith="staging-").count()
    plan = [(f"staging-{i}", products_per_store) for i in range(existing + 1, existing + stores + 1)]
    if big_store_products and not Store.objects.filter(slug="staging-big").exists():
        plan.append(("staging-big", big_store_products))
    total_products = sum(n for _, n in plan)
    done = 0
    for index, (slug, product_count) in enumerate(plan):
        with transaction.atomic():
            owner = User.objects.create_user(_seed_phone(existing + index))
            store = Store.objects.create(owner=owner, name=slug.replace("-", " ").title(), slug=slug)
            categories = Category.objects.bulk_create(
                [Category(store=store, name=f"Aisle {n}", position=n) for n in range(1, 6)]
            )
            for start in range(0, product_count, BATCH):
                batch = []
                for n in range(start, min(start + BATCH, product_count)):
                    price = Decimal(rng.randint(1000, 500000)) / 100
                    batch.append(
                        Product(
                            store=store,
                            category=rng.choice(categories),
                            name=f"Product {n + 1} {rng.choice(['Tea', 'Rice', 'Kurta', 'Shoes', 'Soap'])}",
                            price=price,
                            mrp=price * Decimal("1.2") if n % 3 == 0 else None,
                            stock=rng.choice([None, 0, 5, 50]),
                            position=n,
                        )
                    )
                Product.objects.bulk_create(batch)
                done += len(batch)
                tell("products", done, total_products)
        created["stores"] += 1
        created["products"] += product_count
    return created
