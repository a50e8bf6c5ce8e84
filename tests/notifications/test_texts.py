"""Message texts: short, with the order number, items, total and an absolute link of our own."""

from __future__ import annotations

from decimal import Decimal

from notifications.texts import message_for
from orders.models import OrderItem
from stores.templatetags.money import money


def test_the_sellers_message_has_number_items_total_and_the_dashboard_link(store, make_order, settings):
    settings.DUKAAN_PUBLIC_URL = "https://mydukaan.io"
    order = make_order(store, number=1042, status="placed", method="cod")

    text = message_for("order.placed", order)

    assert "#1042" in text and "1 x Chai" in text and money(Decimal("10.00")) in text
    assert "Cash on delivery" in text
    assert text.endswith("https://mydukaan.io/dashboard/ashas-kitchen/orders/1042/")
    assert len(text) < 300


def test_long_orders_list_three_items_and_count_the_rest(store, make_order):
    order = make_order(store, number=1001, status="placed", method="cod")
    for name in ("Samosa", "Jalebi", "Lassi", "Poha"):
        OrderItem.objects.create(
            order=order, name=name, unit_price=Decimal("5"), quantity=2, line_total=Decimal("10")
        )
    text = message_for("order.placed", order)
    assert "1 x Chai, 2 x Samosa, 2 x Jalebi and 2 more" in text


def test_customer_messages_link_to_their_order_page_never_to_the_request(store, make_order, settings):
    settings.DUKAAN_PUBLIC_URL = "https://mydukaan.io"
    order = make_order(store, number=1001, status="shipped", method="cod")
    shipped = message_for("order.shipped", order, {"shipping_provider": "Delhivery", "tracking_id": "DL77"})
    assert "Delhivery" in shipped and "DL77" in shipped
    assert shipped.endswith(f"https://mydukaan.io/o/{order.token}/")
    cancelled = message_for("order.cancelled", order, {"reason": "Not paid within 30 minutes"})
    assert "cancelled: Not paid within 30 minutes" in cancelled
    paid = message_for("payment.captured", order, {"amount": "10.00", "currency": "INR"})
    assert money(Decimal("10.00")) in paid and "#1001" in paid
    for kind in ("order.received", "order.accepted", "order.delivered", "order.rejected"):
        assert "#1001" in message_for(kind, order, {"reason": "Out of stock"})
