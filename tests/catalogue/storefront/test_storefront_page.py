"""What a shopper sees at /<slug>/ and /<slug>/p/<id>/, and that bad links never break it."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.middleware.csrf import get_token

from catalogue.selectors import get_catalogue
from stores import services

NAME = '"><img src=x onerror=alert(1)>'
DESCRIPTION = '<script>alert(2)</script>\njavascript:alert(3) <a href="javascript:alert(4)">deal</a>'


def _ids(response) -> list[int]:
    return [int(m) for m in re.findall(r'data-product-id="(\d+)"', response.content.decode())]


def _prices(response) -> list[Decimal]:
    by_id = {
        p["id"]: Decimal(p["price"]) for p in get_catalogue(response.context["store"]["slug"])["products"]
    }
    return [by_id[i] for i in _ids(response)]


def test_storefront_shows_the_store_and_its_products(client, store, make_product):
    make_product(store, name="Masala Chai", price="120.00")
    response = client.get(f"/{store.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Asha&#x27;s Kitchen" in html
    assert "Masala Chai" in html
    assert "₹120<" in html


def test_unknown_store_gets_the_friendly_404(client, db):
    response = client.get("/no-such-store/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_inactive_store_gets_the_friendly_404(client, store, make_product):
    make_product(store)
    store.is_active = False
    store.save()
    assert client.get(f"/{store.slug}/").status_code == 404


def test_product_page_of_a_hidden_or_foreign_product_is_404(client, store, make_store, make_product):
    hidden = make_product(store, name="Hidden", is_active=False)
    foreign = make_product(make_store(), name="Elsewhere")
    assert client.get(f"/{store.slug}/p/{hidden.id}/").status_code == 404
    assert client.get(f"/{store.slug}/p/{foreign.id}/").status_code == 404
    assert client.get(f"/{store.slug}/p/99999999/").status_code == 404


def test_inactive_products_are_not_listed(client, store, make_product):
    make_product(store, name="Visible Thing")
    make_product(store, name="Hidden Thing", is_active=False)
    html = client.get(f"/{store.slug}/").content.decode()
    assert "Visible Thing" in html
    assert "Hidden Thing" not in html


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=0",
        "?page=-1",
        "?page=1.5",
        "?page=99999",
        "?page=" + "9" * 60,
        "?sort=bogus",
        "?sort=",
        "?category=abc",
        "?category=-3",
        "?category=%C2%B2",
        "?page=%C2%B2",
        "?category=%D9%A3",
        "?category=99999999",
        "?category=" + "9" * 40,
        "?q=" + "x" * 5000,
        "?q=%00%01",
        "?q=%25_%27%22%3B--",
        "?q=%E0%A4%9A%E0%A4%BE%E0%A4%AF",
        "?q=",
        "?sort=price_asc&sort=price_desc&page=2&page=x",
    ],
)
def test_bad_query_parameters_never_break_the_page(client, store, fill_store, query):
    fill_store(store, 30)
    response = client.get(f"/{store.slug}/{query}")
    assert response.status_code == 200


def test_unknown_sort_and_category_fall_back_to_the_sellers_order(client, store, fill_store, make_store):
    fill_store(store, 5)
    other_category = make_store().categories.create(name="Elsewhere")
    default = _ids(client.get(f"/{store.slug}/"))
    assert _ids(client.get(f"/{store.slug}/?sort=cheapest")) == default
    assert _ids(client.get(f"/{store.slug}/?category={other_category.id}")) == default


def test_default_order_is_the_sellers_position(client, store, make_product):
    second = make_product(store, name="Second", position=2)
    first = make_product(store, name="First", position=1)
    assert _ids(client.get(f"/{store.slug}/")) == [first.id, second.id]


def test_sort_by_price_both_ways(client, store, fill_store):
    fill_store(store, 20)
    ascending = _prices(client.get(f"/{store.slug}/?sort=price_asc"))
    descending = _prices(client.get(f"/{store.slug}/?sort=price_desc"))
    assert ascending == sorted(ascending)
    assert descending == sorted(descending, reverse=True)
    assert len(ascending) == 20


def test_category_filter_shows_only_that_category(client, store, fill_store):
    products = fill_store(store, 12)
    snacks = store.categories.get(name="Snacks")
    expected = {p.id for p in products if p.category_id == snacks.id}
    response = client.get(f"/{store.slug}/?category={snacks.id}")
    assert set(_ids(response)) == expected
    assert 'aria-current="page">Snacks<' in response.content.decode()


def test_pagination_has_24_per_page_and_keeps_the_query_string(client, store, fill_store):
    fill_store(store, 30)
    first = client.get(f"/{store.slug}/?sort=price_desc")
    second = client.get(f"/{store.slug}/?sort=price_desc&page=2")
    assert len(_ids(first)) == 24
    assert len(_ids(second)) == 6
    assert not set(_ids(first)) & set(_ids(second))
    assert 'href="?sort=price_desc&amp;page=2"' in first.content.decode()
    assert 'href="?sort=price_desc&amp;page=1"' in second.content.decode()


def test_page_past_the_end_shows_the_last_page(client, store, fill_store):
    fill_store(store, 30)
    assert _ids(client.get(f"/{store.slug}/?page=99999")) == _ids(client.get(f"/{store.slug}/?page=2"))


def test_search_keeps_ranked_catalogue_products_only(client, store, make_product):
    chai = make_product(store, name="Masala Chai", description="Strong tea")
    make_product(store, name="Hidden Chai", is_active=False)
    make_product(store, name="Basmati Rice")
    response = client.get(f"/{store.slug}/?q=chai")
    assert _ids(response) == [chai.id]
    assert response.context["query"] == "chai"


def test_search_with_no_match_says_so(client, store, make_product):
    make_product(store, name="Basmati Rice")
    response = client.get(f"/{store.slug}/?q=zzzzqqq")
    assert _ids(response) == []
    assert "Nothing matches" in response.content.decode()


def test_names_with_markup_are_shown_as_text(client, make_store, make_product, make_category):
    evil = "<script>alert(1)</script>"
    store = make_store(name=evil, description=evil)
    make_category(store, name=evil)
    product = make_product(store, name=evil, description=evil)
    for url in (f"/{store.slug}/", f"/{store.slug}/p/{product.id}/", f"/{store.slug}/?q=%3Cscript%3E"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


@pytest.mark.django_db
def test_store_and_product_text_cannot_inject_markup_or_links(store, make_product, client, seller_web):
    services.store_update(store=store, name=NAME, description=DESCRIPTION)
    product = make_product(store, name=NAME, description=DESCRIPTION)
    pages = [
        client.get(f"/{store.slug}/"),
        client.get(f"/{store.slug}/p/{product.id}/"),
        seller_web.get("/dashboard/"),
        seller_web.get(f"/dashboard/{store.slug}/products/"),
        seller_web.get(f"/dashboard/{store.slug}/settings/"),
    ]
    for response in pages:
        assert response.status_code == 200, response.request["PATH_INFO"]
        html = response.content.decode()
        assert "&lt;img src=x onerror=alert(1)&gt;" in html or "%3Cimg" in html, response.request["PATH_INFO"]
        for raw in ("<img src=x", "<script>alert", 'href="javascript:', '<a href="javascript'):
            assert raw not in html, (raw, response.request["PATH_INFO"])


def test_mrp_is_struck_through_with_percent_off(client, store, make_product):
    make_product(store, name="Ghee", price="1299.00", mrp="1500.00")
    html = client.get(f"/{store.slug}/").content.decode()
    assert "₹1,299<" in html
    assert re.search(r'<s class="sf-mrp">(<span class="sr-only">MRP </span>)?₹1,500</s>', html)
    assert "13% off" in html


def test_no_strike_through_without_a_higher_mrp(client, store, make_product):
    make_product(store, name="Salt", price="20.00", mrp="20.00")
    make_product(store, name="Sugar", price="45.00")
    html = client.get(f"/{store.slug}/").content.decode()
    assert 'class="sf-mrp"' not in html
    assert "% off" not in html


def test_out_of_stock_products_are_marked_and_cannot_be_added(client, store, make_product):
    gone = make_product(store, name="Sold Out Pickle", stock=0)
    there = make_product(store, name="Fresh Pickle", stock=3)
    html = client.get(f"/{store.slug}/").content.decode()
    assert "Out of stock" in html
    assert f'name="product" value="{there.id}"' in html
    assert f'name="product" value="{gone.id}"' not in html


def test_in_stock_cards_post_to_the_cart_without_a_per_visitor_token(client, store, make_product):
    product = make_product(store)
    response = client.get(f"/{store.slug}/")
    html = response.content.decode()
    form = re.search(r'<form class="sf-add" method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form is not None
    assert form.group(1) == f"/{store.slug}/cart/add/"
    # Add-to-cart checks the request's origin instead, so the page carries nothing per visitor.
    assert "csrfmiddlewaretoken" not in html
    assert "csrftoken" not in response.cookies
    assert f'name="product" value="{product.id}"' in form.group(2)
    assert 'name="quantity" value="1"' in form.group(2)


def test_product_page_shows_large_image_price_and_add_to_cart(client, store, make_product):
    product = make_product(
        store,
        name="Kaju Katli",
        price="899.50",
        description="Made fresh daily.",
        image_large="products/x-large.jpg",
    )
    html = client.get(f"/{store.slug}/p/{product.id}/").content.decode()
    assert "Kaju Katli" in html
    assert "₹899.50" in html
    assert "Made fresh daily." in html
    assert 'src="/media/products/x-large.jpg"' in html
    assert f'action="/{store.slug}/cart/add/"' in html


def test_images_are_lazy_thumbnails_and_missing_photos_get_a_placeholder(client, store, make_product):
    # Listed newest first: p5 heads the grid, p0 is sixth, the photo-less product last.
    make_product(store, name="No Photo")
    for n in range(6):
        make_product(
            store,
            name=f"Photo {n}",
            image_thumb=f"products/p{n}-thumb.jpg",
            image_large=f"products/p{n}-large.jpg",
        )
    html = client.get(f"/{store.slug}/").content.decode()
    images = re.findall(r'<img src="/media/products/p\d-thumb.jpg"[^>]*>', html)
    assert len(images) == 6
    for img in images:
        for attribute in ('decoding="async"', 'width="400"', 'height="400"'):
            assert attribute in img
    # The first row (up to four columns) is the largest paint: fetched at once, the first two first.
    assert ['fetchpriority="high"' in img for img in images] == [True, True, False, False, False, False]
    assert ['loading="lazy"' in img for img in images] == [False, False, False, False, True, True]
    assert "-large.jpg" not in html
    assert 'class="sf-placeholder"' in html


def test_cart_count_reaches_the_badge_by_cookie_and_stays_out_of_page_and_catalogue(
    client, store, make_product
):
    product = make_product(store)
    added = client.post(f"/{store.slug}/cart/add/", {"product": product.id, "quantity": "3"})
    assert added.cookies[f"dukaan_cart_{store.id}"].value == "3"
    response = client.get(f"/{store.slug}/")
    html = response.content.decode()
    # The badge starts empty and hidden; the page's script fills it in from the cookie.
    assert re.search(r"data-cart-count hidden>0<", html)
    assert 'src="/static/js/storefront.js"' in html and f'data-store-id="{store.id}"' in html
    # The script is a static file (the Content-Security-Policy refuses inline ones).
    assert "dukaan_cart_" in (settings.BASE_DIR / "static/js/storefront.js").read_text()
    token = get_token(response.wsgi_request)
    catalogue = get_catalogue(store.slug)
    dumped = json.dumps(catalogue)
    assert "cart" not in dumped.lower()
    assert "csrf" not in dumped.lower()
    assert token not in dumped
    assert client.session.session_key not in dumped


def test_two_shoppers_get_the_same_store_page_whatever_their_carts(client, store, make_product):
    from django.test import Client

    product = make_product(store)
    session = client.session
    session["carts"] = {str(store.id): {str(product.id): 2}}
    session.save()
    mine = client.get(f"/{store.slug}/")
    theirs = Client().get(f"/{store.slug}/")
    # One page for both: whose cart is whose is only in the session and the count cookie.
    assert mine.content == theirs.content
    assert "cart_count" not in mine.context


def test_share_links_open_whatsapp_and_copy_the_store_link(client, store):
    html = client.get(f"/{store.slug}/").content.decode()
    assert "https://wa.me/?text=" in html
    assert store.public_url in html
    assert f'data-copy="{store.public_url}"' in html


def test_sort_control_is_a_plain_get_form(client, store, make_product):
    make_product(store)
    html = client.get(f"/{store.slug}/?sort=price_asc").content.decode()
    form = re.search(r'<form class="sf-sort" method="get"[^>]*>(.*?)</form>', html, re.S)
    assert form is not None
    assert '<select id="sf-sort" name="sort"' in form.group(1)
    assert '<option value="price_asc" selected>' in form.group(1)
    assert 'type="submit"' in form.group(1)


def test_store_without_products_says_it_is_getting_ready(client, store):
    assert "getting ready" in client.get(f"/{store.slug}/").content.decode()


def test_pages_are_shared_with_caches_until_the_visitor_has_a_session(client, store, make_product):
    product = make_product(store)
    urls = (f"/{store.slug}/", f"/{store.slug}/p/{product.id}/")
    for url in urls:
        assert client.get(url)["Cache-Control"].startswith("public")
    client.post(f"/{store.slug}/cart/add/", {"product": product.id})
    for url in urls:
        assert client.get(url)["Cache-Control"] == "private, no-cache"


def test_storefront_only_answers_reads(client, store):
    assert client.post(f"/{store.slug}/").status_code in (403, 405)
    assert client.head(f"/{store.slug}/").status_code == 200
