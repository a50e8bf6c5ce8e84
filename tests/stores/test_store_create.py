"""store_create / store_update: names, slugs, reserved words, collisions."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from stores.models import RESERVED_SLUGS, Store
from stores.services import slug_base, store_create, store_update


def test_slug_is_derived_from_the_name(seller):
    store = store_create(owner=seller, name="  Asha's Kitchen & Café  ")
    assert store.name == "Asha's Kitchen & Café"
    assert store.slug == "ashas-kitchen-cafe"
    assert store.public_url.endswith("/ashas-kitchen-cafe/")
    assert (store.currency, store.is_active) == ("INR", True)


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_empty_name_is_refused(seller, name):
    with pytest.raises(ValidationError) as exc:
        store_create(owner=seller, name=name)
    assert exc.value.message_dict == {"name": ["Enter a name for your store."]}
    assert Store.objects.count() == 0


def test_ten_thousand_character_name_is_refused(seller):
    with pytest.raises(ValidationError) as exc:
        store_create(owner=seller, name="x" * 10_000)
    assert exc.value.message_dict["name"] == ["Keep the store name to 80 characters (it has 10000)."]
    assert Store.objects.count() == 0


def test_eighty_characters_is_fine_and_slug_fits(seller):
    store = store_create(owner=seller, name="word " * 16)
    assert len(store.name) == 79
    assert len(store.slug) <= 50
    assert not store.slug.endswith("-")


@pytest.mark.parametrize("name", [None, 42, ["a"], "bad\x00name", "line\nbreak"])
def test_non_text_or_control_characters_are_refused(seller, name):
    with pytest.raises(ValidationError):
        store_create(owner=seller, name=name)
    assert Store.objects.count() == 0


@pytest.mark.parametrize("reserved", sorted(RESERVED_SLUGS))
def test_reserved_words_never_become_a_slug(seller, reserved):
    store = store_create(owner=seller, name=reserved.upper())
    assert store.slug not in RESERVED_SLUGS


def test_admin_becomes_admin_store(seller):
    assert store_create(owner=seller, name="Admin").slug == "admin-store"
    assert store_create(owner=seller, name="admin").slug == "admin-store-2"
    assert slug_base("API") == "api-store"


def test_unicode_only_names_get_a_fallback_slug(seller):
    first = store_create(owner=seller, name="मेरी दुकान")
    second = store_create(owner=seller, name="மளிகை கடை")
    assert first.name == "मेरी दुकान"
    assert first.slug == "my-store"
    assert second.slug == "my-store-2"


def test_collisions_get_numbered_suffixes(make_seller):
    slugs = [store_create(owner=make_seller(), name="Chai Point").slug for _ in range(4)]
    assert slugs == ["chai-point", "chai-point-2", "chai-point-3", "chai-point-4"]


def test_long_name_collisions_stay_within_the_slug_length(seller):
    name = "a" * 60
    stores = [store_create(owner=seller, name=name) for _ in range(3)]
    assert [len(s.slug) for s in stores] == [50, 50, 50]
    assert stores[1].slug.endswith("-2")


def test_a_very_popular_name_keeps_working(seller):
    Store.objects.bulk_create(
        [Store(owner=seller, name="Shop", slug="shop")]
        + [Store(owner=seller, name="Shop", slug=f"shop-{n}") for n in range(2, 101)]
    )
    store = store_create(owner=seller, name="Shop")
    assert store.slug.startswith("shop-") and len(store.slug) == len("shop-") + 6


def test_html_in_a_name_is_stored_as_text(seller):
    store = store_create(owner=seller, name="<script>alert(1)</script> Shop")
    assert store.name == "<script>alert(1)</script> Shop"
    assert store.slug == "scriptalert1script-shop"


def test_a_seller_can_own_several_stores(seller):
    store_create(owner=seller, name="One")
    store_create(owner=seller, name="Two")
    assert seller.stores.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_stores_with_the_same_name_all_get_unique_slugs(make_seller):
    owners = [make_seller() for _ in range(8)]
    barrier = threading.Barrier(len(owners))
    slugs: list[str] = []
    errors: list[Exception] = []

    def create(owner) -> None:
        try:
            barrier.wait(10)
            slugs.append(store_create(owner=owner, name="Flash Sale").slug)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(slugs) == sorted(["flash-sale"] + [f"flash-sale-{n}" for n in range(2, 9)])


def test_store_update_changes_only_given_fields_and_never_the_slug(store):
    store_update(store=store, name="Asha's New Kitchen", upi_id="asha@okaxis")
    store.refresh_from_db()
    assert (store.name, store.slug, store.upi_id) == ("Asha's New Kitchen", "ashas-kitchen", "asha@okaxis")


def test_store_update_normalises_whatsapp_number(store):
    store_update(store=store, whatsapp_number="98765 43210")
    store.refresh_from_db()
    assert store.whatsapp_number == "+919876543210"


@pytest.mark.parametrize(
    "field, value",
    [
        ("upi_id", "not-a-upi"),
        ("upi_id", "name@"),
        ("upi_id", "@bank"),
        ("upi_id", "a b@bank"),
        ("upi_id", "x" * 200 + "@bank"),
        ("whatsapp_number", "letters"),
        ("whatsapp_number", "12345"),
        ("name", ""),
        ("description", "d" * 2001),
        ("is_active", "yes"),
    ],
)
def test_store_update_refuses_bad_values_and_changes_nothing(store, field, value):
    before = Store.objects.filter(pk=store.pk).values().get()
    with pytest.raises(ValidationError) as exc:
        store_update(store=store, name="Renamed", **{field: value}) if field != "name" else store_update(
            store=store, name=value
        )
    assert field in exc.value.message_dict
    assert Store.objects.filter(pk=store.pk).values().get() == before
