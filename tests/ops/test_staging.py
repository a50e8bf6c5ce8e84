"""Staging tools: production-shaped seed data and sanitizing a restored production copy."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
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
        reason="Real Customer never answered +919811111111",
    )  # fmt: skip
    OrderItem.objects.create(order=order, product=tea, name="Tea", unit_price=Decimal("100.00"),
                             quantity=2, line_total=Decimal("200.00"))  # fmt: skip
    OrderItem.objects.create(order=order, product=rice, name="Rice", unit_price=Decimal("55.50"),
                             quantity=2, line_total=Decimal("111.00"))  # fmt: skip
    payment = Payment.objects.create(
        order=order, method="gateway", provider="fake", provider_ref="pay_real_123", amount=Decimal("351.00"),
        flagged_for_review=True, review_reason="Gateway reported 351.00 INR, expected 350.00 INR.",
    )  # fmt: skip
    PaymentEvent.objects.create(provider="fake", event_id="evt_real_1", body='{"customer": "Real Customer"}')
    # An admin edit: the log names the seller by phone, and a related payment by its amount.
    LogEntry.objects.create(
        user=store.owner, content_type=ContentType.objects.get_for_model(User), object_id=str(store.owner.pk),
        object_repr=str(store.owner), action_flag=CHANGE,
        change_message=json.dumps([
            {"changed": {"fields": ["Name"]}},
            {"changed": {"name": "payment", "object": str(payment), "fields": ["Status"]}},
        ]),
    )  # fmt: skip
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
    event = PaymentEvent.objects.get()
    assert "Real Customer" not in event.body and event.event_id != "evt_real_1"
    assert "Real" not in order.reason and "9811111111" not in order.reason
    assert "351" not in payment.review_reason and payment.flagged_for_review
    entry = LogEntry.objects.get()
    assert real_phone not in entry.object_repr and entry.object_repr == f"user {store.owner.pk}"
    assert "351" not in entry.change_message and '"fields": ["Name"]' in entry.change_message
    assert "admin log entries scrubbed: 1" in out.getvalue()
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


def test_sanitize_refuses_a_database_with_a_production_marker_row(production_copy):
    out = StringIO()
    call_command("mark_environment", "production", "--note", "the real one", stdout=out)
    assert "marked production" in out.getvalue()
    with pytest.raises(CommandError, match="ops_environmentmarker row says 'production'"):
        call_command("sanitize_staging", "--yes", stdout=StringIO())
    with pytest.raises(CommandError, match="production"):
        call_command("seed_staging", "--stores", "1", stdout=StringIO())
    with pytest.raises(CommandError, match="production"):
        call_command("staging_login", "--phone", "+919811100099", "--staff", stdout=StringIO())
    assert Order.objects.get().customer_name == "Real Customer"
    call_command("mark_environment", "staging", stdout=StringIO())
    call_command("sanitize_staging", "--yes", stdout=StringIO())
    assert Order.objects.get().customer_name != "Real Customer"


def test_staging_login_gives_a_store_owner_my_phone_and_a_staff_password(production_copy, client):
    store, _ = production_copy
    call_command("sanitize_staging", "--yes", stdout=StringIO())
    other = User.objects.create_user("+919811100099")  # holds the phone already (an earlier run)
    out = StringIO()
    call_command("staging_login", "--phone", "98111 00099", "--store", store.slug, "--staff",
                 "--password", "staging-pw-1", stdout=out)  # fmt: skip
    owner = User.objects.get(pk=store.owner_id)
    assert owner.phone == "+919811100099" and owner.is_staff and owner.check_password("staging-pw-1")
    other.refresh_from_db()
    assert other.phone.startswith("+9150")
    assert "/admin/ with +919811100099 and the password staging-pw-1" in out.getvalue()
    assert "/dashboard/login/" in out.getvalue()
    assert client.login(username="+919811100099", password="staging-pw-1")


def test_staging_login_refuses_a_phone_that_cannot_receive_the_code(production_copy):
    store, _ = production_copy
    with pytest.raises(CommandError, match="--phone"):
        call_command("staging_login", "--phone", "+915000000001", "--store", store.slug, stdout=StringIO())
    with pytest.raises(CommandError, match="No store"):
        call_command("staging_login", "--phone", "+919811100099", "--store", "nope", stdout=StringIO())
