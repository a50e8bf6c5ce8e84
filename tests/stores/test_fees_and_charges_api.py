"""The store's delivery fees, GST and extra charges through the seller API (SPEC section 7):
good values are saved, bad ones are a 400 naming the field with nothing changed, and another
seller's store is a 404 on every endpoint."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stores.models import Store, StoreCharge

pytestmark = pytest.mark.django_db


def test_the_seller_sets_delivery_fees_and_gst(seller_api, store):
    body = {
        "delivery_fee": "30",
        "free_delivery_above": "150.00",
        "delivery_fee_online": 10,
        "gstin": " 27aapfu0939f1zv ",
        "gst_percent": "5",
    }
    response = seller_api.patch(f"/api/v1/stores/{store.slug}/", body, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["delivery_fee"], answer["free_delivery_above"], answer["delivery_fee_online"]) == (
        "30.00",
        "150.00",
        "10.00",
    )
    assert (answer["gstin"], answer["gst_percent"]) == ("27AAPFU0939F1ZV", "5.00")
    cleared = seller_api.patch(
        f"/api/v1/stores/{store.slug}/",
        {"free_delivery_above": None, "delivery_fee_online": ""},
        format="json",
    )
    assert (cleared.json()["free_delivery_above"], cleared.json()["delivery_fee_online"]) == (None, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("delivery_fee", "-5"),
        ("delivery_fee", "abc"),
        ("delivery_fee", "NaN"),
        ("delivery_fee", "1.005"),
        ("delivery_fee", None),
        ("free_delivery_above", "-1"),
        ("delivery_fee_online", "1e9"),
        ("gst_percent", "101"),
        ("gst_percent", "-0.5"),
        ("gstin", "27AAPFU0939F1Z"),  # 14 characters
        ("gstin", "27AAPFU0939F1ZX"),  # wrong check character
        ("gstin", "ABAAPFU0939F1ZV"),  # the state code is not digits
    ],
)
def test_bad_fee_values_are_a_400_naming_the_field_and_change_nothing(seller_api, store, field, value):
    before = Store.objects.values().get(pk=store.pk)
    response = seller_api.patch(
        f"/api/v1/stores/{store.slug}/", {field: value, "name": "Renamed"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Store.objects.values().get(pk=store.pk) == before


def test_charges_are_added_listed_changed_and_removed(seller_api, store):
    url = f"/api/v1/stores/{store.slug}/charges/"
    packing = seller_api.post(url, {"name": "Packing", "kind": "flat", "amount": "15"}, format="json")
    assert packing.status_code == 201, packing.content
    assert packing.json() == {
        "id": packing.json()["id"],
        "name": "Packing",
        "kind": "flat",
        "amount": "15.00",
        "is_active": True,
    }
    service = seller_api.post(
        url, {"name": "Service", "kind": "percent", "amount": 2.5}, format="json"
    ).json()
    assert [c["name"] for c in seller_api.get(url).json()] == ["Packing", "Service"]

    detail = f"{url}{service['id']}/"
    changed = seller_api.patch(detail, {"amount": "3", "is_active": False}, format="json")
    assert (
        changed.status_code == 200
        and changed.json()["amount"] == "3.00"
        and changed.json()["is_active"] is False
    )
    assert seller_api.delete(detail).status_code == 204
    assert list(StoreCharge.objects.values_list("name", flat=True)) == ["Packing"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Service", "kind": "percent", "amount": "101"}, "amount"),
        ({"name": "Packing", "kind": "flat", "amount": "-1"}, "amount"),
        ({"name": "Packing", "kind": "flat", "amount": "ten"}, "amount"),
        ({"name": "Packing", "kind": "flat"}, "amount"),
        ({"name": "", "kind": "flat", "amount": "5"}, "name"),
        ({"name": "Packing", "kind": "sometimes", "amount": "5"}, "kind"),
        ({"name": "Packing", "amount": "5"}, "kind"),
        ({"name": "Packing", "kind": "flat", "amount": "5", "store": 1}, "store"),
    ],
)
def test_a_bad_charge_is_a_400_naming_the_field_and_nothing_is_added(seller_api, store, body, field):
    response = seller_api.post(f"/api/v1/stores/{store.slug}/charges/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not StoreCharge.objects.exists()


def test_switching_a_charge_to_percent_checks_its_amount(seller_api, store):
    charge = StoreCharge.objects.create(store=store, name="Packing", kind="flat", amount=Decimal("150"))
    response = seller_api.patch(
        f"/api/v1/stores/{store.slug}/charges/{charge.pk}/", {"kind": "percent"}, format="json"
    )
    assert response.status_code == 400 and "amount" in response.json()
    charge.refresh_from_db()
    assert charge.kind == "flat"


def test_another_sellers_store_and_charges_are_404_on_every_endpoint(seller_api, make_store):
    other = make_store()
    charge = StoreCharge.objects.create(store=other, name="Packing", kind="flat", amount=Decimal("10"))
    url = f"/api/v1/stores/{other.slug}/charges/"
    assert seller_api.get(url).status_code == 404
    assert (
        seller_api.post(url, {"name": "X", "kind": "flat", "amount": "1"}, format="json").status_code == 404
    )
    for method in ("get", "patch", "delete"):
        assert getattr(seller_api, method)(f"{url}{charge.pk}/", {}, format="json").status_code == 404
    assert (
        seller_api.patch(f"/api/v1/stores/{other.slug}/", {"delivery_fee": "1"}, format="json").status_code
        == 404
    )
    charge.refresh_from_db()
    assert charge.amount == Decimal("10.00")


def test_a_charge_of_another_store_under_my_slug_is_404(seller_api, store, make_store):
    other_charge = StoreCharge.objects.create(store=make_store(), name="X", kind="flat", amount=Decimal("1"))
    assert seller_api.get(f"/api/v1/stores/{store.slug}/charges/{other_charge.pk}/").status_code == 404
    assert seller_api.get(f"/api/v1/stores/{store.slug}/charges/{2**64}/").status_code == 404


def test_charges_need_a_signed_in_seller(api_client, store):
    assert api_client.get(f"/api/v1/stores/{store.slug}/charges/").status_code == 401
