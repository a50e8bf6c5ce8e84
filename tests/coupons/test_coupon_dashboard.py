"""The seller's coupon pages: add, see, edit and delete a coupon from a phone; bad input is the
form again with the field's message and a 400; another seller's coupon is a 404."""

from __future__ import annotations

import pytest

from coupons.models import Coupon

pytestmark = pytest.mark.django_db

FORM = {"code": "DIWALI10", "kind": "percent", "value": "10", "is_active": "on"}


def test_a_seller_adds_edits_and_deletes_a_coupon(seller_web, store):
    base = f"/dashboard/{store.slug}/coupons/"
    assert seller_web.get(base).status_code == 200
    added = seller_web.post(f"{base}add/", {**FORM, "min_order": "299", "usage_limit": "50"}, follow=True)
    assert added.status_code == 200
    page = added.content.decode()
    assert "DIWALI10" in page and "10% off" in page and "₹299 or more" in page
    coupon = Coupon.objects.get()
    assert (coupon.value, coupon.min_order, coupon.usage_limit, coupon.is_active) == (10, 299, 50, True)

    edit = f"{base}{coupon.pk}/edit/"
    assert 'value="DIWALI10"' in seller_web.get(edit).content.decode()
    seller_web.post(edit, {**FORM, "value": "15"})
    coupon.refresh_from_db()
    assert (coupon.value, coupon.is_active) == (15, True)
    seller_web.post(edit, {**FORM, "is_active": ""})
    coupon.refresh_from_db()
    assert coupon.is_active is False

    assert seller_web.get(f"{base}{coupon.pk}/delete/").status_code == 200
    seller_web.post(f"{base}{coupon.pk}/delete/")
    assert not Coupon.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"value": "150"}, "at most 100%"),
        ({"value": ""}, "how much the coupon takes off"),
        ({"code": "no spaces please"}, "letters, digits"),
        ({"kind": "flat", "max_discount": "10"}, "Only a percent coupon"),
    ],
)
def test_bad_input_is_the_form_again_with_the_message_and_a_400(seller_web, store, change, message):
    response = seller_web.post(f"/dashboard/{store.slug}/coupons/add/", {**FORM, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Coupon.objects.exists()


def test_another_sellers_coupon_pages_are_404(seller_web, make_store):
    other = make_store()
    coupon = Coupon.objects.create(store=other, code="THEIRS", kind="flat", value=50)
    assert seller_web.get(f"/dashboard/{other.slug}/coupons/").status_code == 404
    assert seller_web.post(f"/dashboard/{other.slug}/coupons/{coupon.pk}/delete/").status_code == 404
    assert seller_web.post(f"/dashboard/{other.slug}/coupons/{coupon.pk}/edit/", FORM).status_code == 404
    assert Coupon.objects.filter(pk=coupon.pk).exists()
