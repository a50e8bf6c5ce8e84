"""The seller's coupons through the API (SPEC section 7): codes unique per store in any case, bad
values a 400 naming the field with nothing changed, another seller's coupons a 404."""

from __future__ import annotations

import pytest

from coupons.models import Coupon

pytestmark = pytest.mark.django_db


def _url(store, pk=None) -> str:
    return f"/api/v1/stores/{store.slug}/coupons/" + (f"{pk}/" if pk else "")


def test_a_seller_adds_lists_changes_and_removes_coupons(seller_api, store):
    created = seller_api.post(
        _url(store),
        {
            "code": "DIWALI10",
            "kind": "percent",
            "value": "10",
            "max_discount": "100",
            "min_order": "299",
            "starts_at": "2026-11-01T00:00:00+05:30",
            "expires_at": "2026-11-15T23:59:59+05:30",
            "usage_limit": 100,
            "per_customer_limit": 1,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["code"], body["kind"], body["value"], body["max_discount"], body["used_count"]) == (
        "DIWALI10",
        "percent",
        "10.00",
        "100.00",
        0,
    )
    free = seller_api.post(_url(store), {"code": "FREESHIP", "kind": "free_delivery"}, format="json")
    assert free.status_code == 201 and free.json()["value"] is None
    assert [c["code"] for c in seller_api.get(_url(store)).json()] == ["FREESHIP", "DIWALI10"]

    changed = seller_api.patch(_url(store, body["id"]), {"value": "15", "is_active": False}, format="json")
    assert changed.status_code == 200 and (changed.json()["value"], changed.json()["is_active"]) == (
        "15.00",
        False,
    )
    assert seller_api.delete(_url(store, body["id"])).status_code == 204
    assert list(Coupon.objects.values_list("code", flat=True)) == ["FREESHIP"]


def test_codes_are_unique_per_store_in_any_case_but_another_store_may_use_one(seller_api, store, make_store):
    Coupon.objects.create(store=make_store(), code="DIWALI10", kind="flat", value=50)
    assert (
        seller_api.post(
            _url(store), {"code": "Diwali10", "kind": "flat", "value": "50"}, format="json"
        ).status_code
        == 201
    )
    again = seller_api.post(_url(store), {"code": "DIWALI10", "kind": "flat", "value": "20"}, format="json")
    assert again.status_code == 400 and "code" in again.json()
    assert Coupon.objects.filter(store=store).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "percent", "value": "10"}, "code"),
        ({"code": "X", "kind": "percent", "value": "10"}, "code"),
        ({"code": "HAS SPACE", "kind": "percent", "value": "10"}, "code"),
        ({"code": "DIWALI10", "value": "10"}, "kind"),
        ({"code": "DIWALI10", "kind": "bogo", "value": "10"}, "kind"),
        ({"code": "DIWALI10", "kind": "percent"}, "value"),  # neither value nor anything to give
        ({"code": "DIWALI10", "kind": "percent", "value": "0"}, "value"),
        ({"code": "DIWALI10", "kind": "percent", "value": "150"}, "value"),
        ({"code": "DIWALI10", "kind": "flat", "value": "-5"}, "value"),
        ({"code": "DIWALI10", "kind": "flat", "value": "abc"}, "value"),
        ({"code": "DIWALI10", "kind": "free_delivery", "value": "10"}, "value"),
        ({"code": "DIWALI10", "kind": "flat", "value": "50", "max_discount": "10"}, "max_discount"),
        ({"code": "DIWALI10", "kind": "flat", "value": "50", "min_order": "-1"}, "min_order"),
        ({"code": "DIWALI10", "kind": "flat", "value": "50", "starts_at": "next tuesday"}, "starts_at"),
        (
            {
                "code": "D",
                "kind": "flat",
                "value": "5",
                "starts_at": "2026-11-10T00:00",
                "expires_at": "2026-11-01T00:00",
            },
            "code",
        ),
        (
            {
                "code": "DIWALI10",
                "kind": "flat",
                "value": "5",
                "starts_at": "2026-11-10T00:00",
                "expires_at": "2026-11-01T00:00",
            },
            "expires_at",
        ),
        ({"code": "DIWALI10", "kind": "flat", "value": "50", "usage_limit": 0}, "usage_limit"),
        (
            {"code": "DIWALI10", "kind": "flat", "value": "50", "per_customer_limit": "many"},
            "per_customer_limit",
        ),
        ({"code": "DIWALI10", "kind": "flat", "value": "50", "used_count": 3}, "used_count"),
    ],
)
def test_a_bad_coupon_is_a_400_naming_the_field_and_nothing_is_added(seller_api, store, body, field):
    response = seller_api.post(_url(store), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Coupon.objects.exists()


def test_a_bad_change_changes_nothing(seller_api, store):
    coupon = Coupon.objects.create(store=store, code="FLAT50", kind="flat", value=50)
    response = seller_api.patch(_url(store, coupon.pk), {"kind": "percent", "value": "500"}, format="json")
    assert response.status_code == 400 and "value" in response.json()
    coupon.refresh_from_db()
    assert (coupon.kind, coupon.value) == ("flat", 50)


def test_the_limit_cannot_go_below_the_uses_already_taken(seller_api, store):
    coupon = Coupon.objects.create(
        store=store, code="FLAT50", kind="flat", value=50, used_count=4, usage_limit=10
    )
    response = seller_api.patch(_url(store, coupon.pk), {"usage_limit": 3}, format="json")
    assert response.status_code == 400 and "usage_limit" in response.json()


def test_another_sellers_coupons_are_404_on_every_endpoint(seller_api, make_store):
    other = make_store()
    coupon = Coupon.objects.create(store=other, code="THEIRS", kind="flat", value=50)
    assert seller_api.get(_url(other)).status_code == 404
    assert (
        seller_api.post(
            _url(other), {"code": "MINE", "kind": "flat", "value": "5"}, format="json"
        ).status_code
        == 404
    )
    for method in ("get", "patch", "delete"):
        assert getattr(seller_api, method)(_url(other, coupon.pk), {}, format="json").status_code == 404
    assert Coupon.objects.get(pk=coupon.pk).code == "THEIRS"


def test_coupons_need_a_signed_in_seller(api_client, store):
    assert api_client.get(_url(store)).status_code == 401
    assert api_client.post(_url(store), {}, format="json").status_code == 401
