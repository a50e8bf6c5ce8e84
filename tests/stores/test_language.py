"""The store's `language` (API and dashboard), the shop pages that follow it, and the seller's own."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from orders.models import Order, OrderStatus, PaymentMethod
from stores.models import Store

HINDI_CART = "आपका कार्ट"
HINDI_PLACE_ORDER = "ऑर्डर करें"
HINDI_COD = "कैश ऑन डिलीवरी"


@pytest.fixture
def hindi_store(store: Store) -> Store:
    store.language = "hi"
    store.save()
    return store


# --- the API --------------------------------------------------------------------------------


def test_the_api_shows_and_changes_the_store_language(seller_api, store):
    assert seller_api.get(f"/api/v1/stores/{store.slug}/").json()["language"] == "en"
    response = seller_api.patch(f"/api/v1/stores/{store.slug}/", {"language": "hi"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["language"] == "hi"
    store.refresh_from_db()
    assert store.language == "hi"


@pytest.mark.parametrize("bad", ["fr", "HI", "", "en-us", None, 1])
def test_the_api_refuses_a_language_we_do_not_speak_and_changes_nothing(seller_api, store, bad):
    response = seller_api.patch(
        f"/api/v1/stores/{store.slug}/", {"language": bad, "name": "New name"}, format="json"
    )
    assert response.status_code == 400
    assert "language" in response.json()
    store.refresh_from_db()
    assert store.language == "en" and store.name == "Asha's Kitchen"


# --- cart, checkout and the order page ------------------------------------------------------


def test_cart_and_checkout_follow_the_store_language(client, hindi_store, make_product):
    product = make_product(hindi_store, name="Masala Chai")
    added = client.post(f"/{hindi_store.slug}/cart/add/", {"product": product.id, "quantity": 1})
    assert added.status_code == 302 and added["Location"] == f"/{hindi_store.slug}/cart/"
    cart = client.get(f"/{hindi_store.slug}/cart/").content.decode()
    assert '<html lang="hi">' in cart and HINDI_CART in cart
    assert "Masala Chai" in cart  # the seller's own words
    assert "कार्ट में डाल दिया गया" in cart  # the flash message, said in the shop's language
    checkout = client.get(f"/{hindi_store.slug}/checkout/").content.decode()
    assert '<html lang="hi">' in checkout
    assert HINDI_PLACE_ORDER in checkout and HINDI_COD in checkout and "आपका नाम" in checkout


def test_lang_overrides_the_store_on_cart_pages_and_redirects_keep_it(client, hindi_store, make_product):
    product = make_product(hindi_store, name="Masala Chai")
    added = client.post(f"/{hindi_store.slug}/cart/add/?lang=en", {"product": product.id, "quantity": 1})
    assert added["Location"] == f"/{hindi_store.slug}/cart/?lang=en"
    cart = client.get(added["Location"]).content.decode()
    assert '<html lang="en">' in cart and "Your cart" in cart and HINDI_CART not in cart
    assert f'action="/{hindi_store.slug}/cart/?lang=en"' in cart
    to_checkout = client.post(
        f"/{hindi_store.slug}/cart/?lang=en", {f"quantity_{product.id}": "1", "checkout": "1"}
    )
    assert to_checkout["Location"] == f"/{hindi_store.slug}/checkout/?lang=en"
    checkout = client.get(to_checkout["Location"]).content.decode()
    assert "Place order" in checkout and "Cash on delivery" in checkout
    assert f'action="/{hindi_store.slug}/checkout/?lang=en"' in checkout


def test_an_error_adding_to_the_cart_is_said_in_the_store_language(client, hindi_store):
    response = client.post(f"/{hindi_store.slug}/cart/add/", {"product": "", "quantity": "1"})
    assert response.status_code == 400
    assert "जोड़ने के लिए कोई प्रोडक्ट चुनें" in response.content.decode()


def test_the_order_page_follows_the_store_language(client, hindi_store, make_order):
    order = make_order(hindi_store, number=7, status=OrderStatus.PLACED, method=PaymentMethod.COD)
    page = client.get(f"/o/{order.token}/").content.decode()
    assert '<html lang="hi">' in page
    assert "ऑर्डर #7" in page and HINDI_COD in page
    assert "Chai" in page  # the item's name as written
    english = client.get(f"/o/{order.token}/?lang=en").content.decode()
    assert '<html lang="en">' in english and "Order #7" in english and "Cash on delivery" in english
    assert f'href="/{hindi_store.slug}/?lang=en"' in english


def test_the_order_page_writes_its_date_for_hindi(client, hindi_store, make_order):
    order = make_order(hindi_store, number=9, status=OrderStatus.PLACED, method=PaymentMethod.COD)
    placed = datetime(2026, 12, 2, 14, 5, tzinfo=ZoneInfo("Asia/Kolkata"))
    Order.objects.filter(pk=order.pk).update(created_at=placed)
    page = client.get(f"/o/{order.token}/").content.decode()
    # Our catalogue's month (Django's own misspells it दिसमबर) and the copy button's confirmation.
    assert "ऑर्डर किया: 2 दिसंबर 2026, 14:05" in page
    assert 'data-copied="कॉपी हो गया!"' in page
    english = client.get(f"/o/{order.token}/?lang=en").content.decode()
    assert "Placed 2 Dec 2026, 14:05" in english


def test_shop_pages_leave_the_default_language_behind(client, hindi_store, make_order):
    order = make_order(hindi_store, number=8, status=OrderStatus.PLACED, method=PaymentMethod.COD)
    client.get(f"/o/{order.token}/")
    assert translation.get_language() != "hi"
    # The status labels stay plain text elsewhere (logs, the API, the seller's messages).
    assert OrderStatus.PLACED.label == "Placed"


# --- the dashboard: the seller's own choice ---------------------------------------------------


def _settings_post(store: Store, **extra: str) -> dict[str, str]:
    return {
        "name": store.name,
        "description": "",
        "whatsapp_number": "",
        "upi_id": "",
        "is_active": "on",
        **extra,
    }


def test_the_dashboard_follows_the_sellers_choice_not_the_store(seller_web, seller, hindi_store):
    page = seller_web.get("/dashboard/").content.decode()
    assert '<html lang="en">' in page and "Sign out" in page  # the store's Hindi is for shoppers

    response = seller_web.post(
        f"/dashboard/{hindi_store.slug}/settings/", _settings_post(hindi_store, dashboard_language="hi")
    )
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.language == "hi"
    page = seller_web.get(response["Location"]).content.decode()
    assert '<html lang="hi">' in page
    assert "साइन आउट" in page and "सेटिंग्स" in page
    assert "स्टोर की सेटिंग्स सेव हो गईं।" in page
    assert "Asha&#x27;s Kitchen" in page
    home = seller_web.get("/dashboard/").content.decode()
    assert "आपका स्टोर" in home and "+ एक और स्टोर खोलें" in home


def test_the_settings_page_sets_the_store_language(seller_web, store):
    response = seller_web.post(f"/dashboard/{store.slug}/settings/", _settings_post(store, language="hi"))
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.language == "hi"
    # Left out, the choices stay as they were (the settings form of an older page).
    seller_web.post(f"/dashboard/{store.slug}/settings/", _settings_post(store))
    store.refresh_from_db()
    assert store.language == "hi"


def test_the_settings_page_refuses_an_unknown_language(seller_web, seller, store):
    response = seller_web.post(
        f"/dashboard/{store.slug}/settings/", _settings_post(store, language="fr", dashboard_language="xx")
    )
    assert response.status_code == 400
    store.refresh_from_db()
    seller.refresh_from_db()
    assert store.language == "en" and seller.language == "en"


def test_shopper_pages_ignore_the_sellers_dashboard_language(client, seller, store, make_product):
    seller.language = "hi"
    seller.save()
    client.force_login(seller)
    make_product(store, name="Masala Chai")
    page = client.get(f"/{store.slug}/").content.decode()
    assert '<html lang="en">' in page and "Add to cart" in page
