"""Staging tools: production-shaped seed data and sanitizing a restored production copy."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from orders.models import Order, OrderItem
from payments.models import Payment, PaymentEvent
from products.models import Product
from stores.models import OtpChallenge, Store, User


@pytest.fixture
def production_copy(make_store, make_product):
    """A small 'restored production' database with real-looking personal data."""
    store = make_store(name="Real Shop", whatsapp_number="+919812345678", upi_id="realshop@okaxis")
    tea = make_product(store, name="Tea", price="100.00", mrp="120.00")
    rice = make_product(store, name="Rice", price="55.50")
    order = Order.objects.create(
        store=store, number=1001, customer_name="Real Customer", customer_phone="+919811111111",
        address="12 Real Road", pincode="110001", note="ring twice", payment_method="gateway",
        subtotal=Decimal("311.00"), total=Decimal("351.00"), tracking_id="REALTRACK",
    )  # fmt: skip
    OrderItem.objects.create(order=order, product=tea, name="Tea", unit_price=Decimal("100.00"),
                             quantity=2, line_total=Decimal("200.00"))  # fmt: skip
    OrderItem.objects.create(order=order, product=rice, name="Rice", unit_price=Decimal("55.50"),
                             quantity=2, line_total=Decimal("111.00"))  # fmt: skip
    Payment.objects.create(order=order, method="gateway", provider="fake", provider_ref="pay_real_123",
                           amount=Decimal("351.00"))  # fmt: skip
    PaymentEvent.objects.create(provider="fake", event_id="evt_1", body='{"customer": "Real Customer"}')
    Token.objects.create(user=store.owner)
    OtpChallenge.objects.create(phone=store.owner.phone, code_hash="x" * 64, expires_at=order.created_at)
    return store, order


def test_sanitize_replaces_personal_data_and_keeps_totals_consistent(production_copy):
    store, order = production_copy
    real_phone = store.owner.phone
    counts_before = {m: m.objects.count() for m in (User, Store, Product, Order, OrderItem, Payment)}
    out = StringIO()

    call_command("sanitize_staging", "--yes", "--seed", "7", stdout=out)

    assert {m: m.objects.count() for m in counts_before} == counts_before
    assert not User.objects.filter(phone=real_phone).exists()
    store.refresh_from_db()
    order.refresh_from_db()
    assert store.whatsapp_number != "+919812345678" and store.upi_id != "realshop@okaxis"
    assert (order.customer_name, order.customer_phone) != ("Real Customer", "+919811111111")
    assert "Real" not in order.address and order.note == "" and order.tracking_id != "REALTRACK"
    items = list(order.items.all())
    assert all(i.line_total == i.unit_price * i.quantity for i in items)
    assert order.subtotal == sum(i.line_total for i in items)
    assert order.total - order.subtotal == Decimal("40.00")  # the delivery fee survives
    payment = order.payments.get()
    assert payment.amount == order.total and payment.provider_ref != "pay_real_123"
    assert not Token.objects.exists() and not OtpChallenge.objects.exists()
    assert "Real Customer" not in PaymentEvent.objects.get().body
    assert "Sanitized" in out.getvalue()


def test_sanitize_keeps_a_product_price_consistent_with_its_order_lines(production_copy):
    store, order = production_copy
    call_command("sanitize_staging", "--yes", "--seed", "3", stdout=StringIO())
    tea = Product.objects.get(store=store, name="Tea")
    line = order.items.get(name="Tea")
    assert line.unit_price == tea.price
    assert tea.mrp >= tea.price


def test_sanitize_needs_explicit_confirmation(production_copy):
    with pytest.raises(CommandError, match="--yes"):
        call_command("sanitize_staging", stdout=StringIO())
    assert Order.objects.get().customer_name == "Real Customer"


def test_sanitize_refuses_a_database_marked_production_by_environment(production_copy, settings):
    settings.DUKAAN_ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("sanitize_staging", "--yes", stdout=StringIO())
    assert Order.objects.get().customer_name == "Real Customer"


@pytest.mark.postgres
def test_sanitize_refuses_a_database_whose_comment_says_production(production_copy):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = cursor.fetchone()[0]
        cursor.execute(f'COMMENT ON DATABASE "{name}" IS %s', ["dukaan production"])
    try:
        with pytest.raises(CommandError, match="production"):
            call_command("sanitize_staging", "--yes", stdout=StringIO())
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'COMMENT ON DATABASE "{name}" IS NULL')
    assert Order.objects.get().customer_name == "Real Customer"


@pytest.mark.django_db
def test_seed_staging_creates_many_stores_and_a_big_one_with_progress():
    out = StringIO()
    call_command(
        "seed_staging",
        "--stores",
        "3",
        "--products-per-store",
        "4",
        "--big-store-products",
        "1200",
        stdout=out,
    )
    assert Store.objects.filter(slug__startswith="staging-").count() == 4
    assert Product.objects.filter(store__slug="staging-big").count() == 1200
    text = out.getvalue()
    assert "100%" in text and "Seeded 4 stores with 1212 products." in text


@pytest.mark.django_db
def test_seed_staging_rejects_absurd_sizes():
    with pytest.raises(CommandError, match="between 0 and 1,000,000"):
        call_command("seed_staging", "--stores", "-1", stdout=StringIO())
    assert not Store.objects.exists()
