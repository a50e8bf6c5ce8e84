"""The seller's Delivery page: fees and GST saved from a phone form, charges added, switched off and
removed; bad input is the page again with the field's message and a 400; another store is a 404."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stores.models import Store, StoreCharge

pytestmark = pytest.mark.django_db

FEES = {
    "delivery_fee": "30",
    "free_delivery_above": "150",
    "delivery_fee_online": "",
    "gstin": "",
    "gst_percent": "5",
}


def test_a_seller_sets_fees_and_gst(seller_web, store):
    url = f"/dashboard/{store.slug}/delivery/"
    assert seller_web.get(url).status_code == 200
    saved = seller_web.post(url, FEES, follow=True)
    assert "New orders pay these fees" in saved.content.decode()
    store.refresh_from_db()
    assert (store.delivery_fee, store.free_delivery_above, store.delivery_fee_online, store.gst_percent) == (
        Decimal("30.00"),
        Decimal("150.00"),
        None,
        Decimal("5.00"),
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("delivery_fee", "-1", "cannot be negative"),
        ("gst_percent", "120", "at most 100"),
        ("gstin", "27AAPFU0939F1ZX", "does not match"),
        ("free_delivery_above", "lots", "must be a number"),
    ],
)
def test_bad_fees_are_the_page_again_with_the_message(seller_web, store, field, value, message):
    before = Store.objects.values().get(pk=store.pk)
    response = seller_web.post(f"/dashboard/{store.slug}/delivery/", {**FEES, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Store.objects.values().get(pk=store.pk) == before


def test_a_seller_adds_switches_off_and_removes_a_charge(seller_web, store):
    base = f"/dashboard/{store.slug}/delivery/"
    page = seller_web.post(
        f"{base}charges/add/", {"name": "Packing", "kind": "flat", "amount": "10"}, follow=True
    )
    assert "Packing" in page.content.decode() and "₹10 per order" in page.content.decode()
    charge = StoreCharge.objects.get()
    seller_web.post(f"{base}charges/{charge.pk}/", {"action": "toggle"})
    charge.refresh_from_db()
    assert charge.is_active is False
    seller_web.post(f"{base}charges/{charge.pk}/", {"action": "delete"})
    assert not StoreCharge.objects.exists()


def test_a_bad_charge_is_the_page_again_with_the_message(seller_web, store):
    response = seller_web.post(
        f"/dashboard/{store.slug}/delivery/charges/add/",
        {"name": "Service", "kind": "percent", "amount": "150"},
    )
    assert response.status_code == 400 and "at most 100" in response.content.decode()
    assert not StoreCharge.objects.exists()


def test_another_sellers_delivery_page_and_charges_are_404(seller_web, make_store):
    other = make_store()
    charge = StoreCharge.objects.create(store=other, name="X", kind="flat", amount=Decimal("5"))
    assert seller_web.get(f"/dashboard/{other.slug}/delivery/").status_code == 404
    assert seller_web.post(f"/dashboard/{other.slug}/delivery/", FEES).status_code == 404
    assert (
        seller_web.post(
            f"/dashboard/{other.slug}/delivery/charges/{charge.pk}/", {"action": "delete"}
        ).status_code
        == 404
    )
    assert StoreCharge.objects.filter(pk=charge.pk).exists()
