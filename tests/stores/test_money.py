"""The `money` template tag: amounts as shoppers read them, with Indian digit grouping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stores.templatetags.money import money


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("1299"), "INR", "₹1,299"),
        ("120.5", "INR", "₹120.50"),
        ("0.01", "INR", "₹0.01"),
        ("999.999", "INR", "₹1,000"),
        ("129999.00", "INR", "₹1,29,999"),
        ("10000000.00", "INR", "₹1,00,00,000"),
        (45, "inr", "₹45"),
        ("1234.5", "USD", "USD 1,234.50"),
        ("95.05", "INR", "₹95.05"),
        ("1200", "USD", "USD 1,200"),
        ("-50", "INR", "-₹50"),
        (None, "INR", ""),
        ("", "INR", ""),
        ("abc", "INR", ""),
    ],
)
def test_money_formats_amounts_the_way_shoppers_read_them(value, currency, expected):
    assert money(value, currency) == expected
