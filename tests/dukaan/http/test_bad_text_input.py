"""Text that is not text (a lone surrogate, "a\\ud800b") is a 400 that changes nothing, whatever the
client accepts; it used to be a 500 when the client asked for HTML (issue 13, finding 8).

A lone surrogate reaches a request two ways: as a JSON escape (refused by dukaan/http/parsers.py)
and through a charset such as UTF-7 named in the Content-Type (refused by
dukaan/http/request_charset.py). Invalid UTF-8 bytes in a form are decoded to U+FFFD by Django,
which is text: those must simply never be a 500. Run on PostgreSQL, which cannot store a surrogate.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from orders.models import Order
from products.models import Category, Product
from stores.models import Store
from tests.conftest import CUSTOMER

BAD = "a\ud800b"  # json.dumps writes it as the escape \ud800
ACCEPTS = ["text/html", "application/json"]
UTF7_SURROGATE = "a%2B2AA-b"  # "a+2AA-b": UTF-7 for "a\ud800b", percent-encoded for a form body


@pytest.fixture
def product(store, make_product):
    return make_product(store, name="Chai", price="40.00", stock=5)


def _post_json(client, path, body, accept, method="post"):
    raw = body if isinstance(body, str) else json.dumps(body)
    assert "\\ud800" in raw  # the escape itself goes over the wire
    return getattr(client, method)(path, data=raw, content_type="application/json", HTTP_ACCEPT=accept)


def _assert_refused(response, accept):
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"].startswith(accept)
    assert b"lone surrogate" in response.content


def _snapshot(store):
    return (
        Store.objects.filter(pk=store.pk).values().get(),
        list(Category.objects.values()),
        list(Product.objects.values()),
        Order.objects.count(),
    )


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("field", ["customer_name", "address", "note", "payment_method"])
def test_an_anonymous_order_with_a_lone_surrogate_is_a_400_and_orders_nothing(
    api_client, store, product, accept, field
):
    body = {**CUSTOMER, "payment_method": "cod", "items": [{"product": product.id, "quantity": 1}]}
    body[field] = BAD

    response = _post_json(api_client, f"/api/v1/stores/{store.slug}/orders/", body, accept)

    _assert_refused(response, accept)
    assert not Order.objects.exists()
    product.refresh_from_db()
    assert product.stock == 5


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_lone_surrogate_in_a_key_or_deep_inside_is_a_400(api_client, store, product, accept):
    body = {**CUSTOMER, "payment_method": "cod", "items": [{"product": product.id, "quantity": 1}]}
    for raw in (
        json.dumps({**body, BAD: "x"}),
        json.dumps({**body, "note": [[[[[[{"deep": [BAD]}]]]]]]}),
        '{"note": ' + "[" * 500 + '"\\ud800"' + "]" * 500 + "}",
    ):
        response = _post_json(api_client, f"/api/v1/stores/{store.slug}/orders/", raw, accept)
        _assert_refused(response, accept)
    assert not Order.objects.exists()


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_category_named_with_a_lone_surrogate_is_a_400(seller_api, store, make_category, accept):
    existing = make_category(store, name="Snacks")
    before = _snapshot(store)

    created = _post_json(seller_api, f"/api/v1/stores/{store.slug}/categories/", {"name": BAD}, accept)
    renamed = _post_json(
        seller_api,
        f"/api/v1/stores/{store.slug}/categories/{existing.pk}/",
        {"name": BAD},
        accept,
        method="patch",
    )

    _assert_refused(created, accept)
    _assert_refused(renamed, accept)
    assert _snapshot(store) == before


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("field", ["name", "description"])
def test_a_product_with_a_lone_surrogate_is_a_400(seller_api, store, product, accept, field):
    before = _snapshot(store)
    body = {"name": "Ginger Tea", "price": "50.00", field: BAD}

    created = _post_json(seller_api, f"/api/v1/stores/{store.slug}/products/", body, accept)
    edited = _post_json(
        seller_api,
        f"/api/v1/stores/{store.slug}/products/{product.pk}/",
        {field: BAD},
        accept,
        method="patch",
    )

    _assert_refused(created, accept)
    _assert_refused(edited, accept)
    assert _snapshot(store) == before


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("field", ["name", "description", "upi_id"])
def test_a_store_with_a_lone_surrogate_is_a_400(seller_api, seller, store, accept, field):
    before = _snapshot(store)

    edited = _post_json(seller_api, f"/api/v1/stores/{store.slug}/", {field: BAD}, accept, method="patch")
    created = _post_json(seller_api, "/api/v1/stores/", {"name": "Meena Sweets", field: BAD}, accept)

    _assert_refused(edited, accept)
    _assert_refused(created, accept)
    assert _snapshot(store) == before
    assert list(seller.stores.all()) == [store]


def test_escaped_text_that_is_valid_unicode_is_still_accepted(seller_api, store):
    # A surrogate *pair* is one character (😀); a backslash before "ud800" is plain text.
    pair, backslash = (
        ('{"name": "Tea \\ud83d\\ude00"}', "Tea 😀"),
        ('{"name": "Tea \\\\ud800"}', "Tea \\ud800"),
    )
    for raw, name in (pair, backslash):
        response = seller_api.post(
            f"/api/v1/stores/{store.slug}/categories/", data=raw, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        assert response.json()["name"] == name
    assert set(Category.objects.values_list("name", flat=True)) == {"Tea 😀", "Tea \\ud800"}


# --- A charset that decodes to surrogates (UTF-7 and the like), on the HTML forms and the API.

UTF7_FORM = "application/x-www-form-urlencoded; charset=utf-7"


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_utf7_dashboard_category_form_is_a_400(seller_web, store, accept):
    before = _snapshot(store)

    response = seller_web.post(
        f"/dashboard/{store.slug}/categories/add/",
        data=f"name={UTF7_SURROGATE}",
        content_type=UTF7_FORM,
        HTTP_ACCEPT=accept,
    )

    assert response.status_code == 400
    assert b"UTF-8" in response.content
    assert _snapshot(store) == before


def _multipart(fields: list[tuple[bytes, bytes]], boundary: str = "dukaanboundary") -> bytes:
    return (
        b"".join(
            b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
            % (boundary.encode(), name, value)
            for name, value in fields
        )
        + b"--%s--\r\n" % boundary.encode()
    )


PRODUCT_FIELDS = [(b"price", b"12.50"), (b"stock", b"3"), (b"is_active", b"on")]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_utf7_multipart_dashboard_product_form_is_a_400(seller_web, store, accept):
    # Django refuses a non-UTF-8 urlencoded body itself, but decodes multipart fields with the charset.
    before = _snapshot(store)

    response = seller_web.post(
        f"/dashboard/{store.slug}/products/add/",
        data=_multipart([(b"name", b"a+2AA-b"), *PRODUCT_FIELDS]),
        content_type="multipart/form-data; boundary=dukaanboundary; charset=utf-7",
        HTTP_ACCEPT=accept,
    )

    assert response.status_code == 400
    assert b"UTF-8" in response.content
    assert _snapshot(store) == before


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_utf7_query_string_is_a_400(seller_web, store, product, accept):
    # The query string is decoded with the Content-Type's charset too, even on a GET.
    response = seller_web.get(
        f"/dashboard/{store.slug}/products/?q={UTF7_SURROGATE}", CONTENT_TYPE=UTF7_FORM, HTTP_ACCEPT=accept
    )

    assert response.status_code == 400
    assert b"UTF-8" in response.content


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_utf7_store_settings_form_is_a_400(seller_web, store, accept):
    before = _snapshot(store)

    response = seller_web.post(
        f"/dashboard/{store.slug}/settings/",
        data=f"name={UTF7_SURROGATE}&description=&whatsapp_number=&upi_id=&is_active=on",
        content_type=UTF7_FORM,
        HTTP_ACCEPT=accept,
    )

    assert response.status_code == 400
    assert _snapshot(store) == before


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_utf7_checkout_form_is_a_400_and_orders_nothing(client, store, product, accept):
    added = client.post(f"/{store.slug}/cart/add/", {"product": product.id, "quantity": "1"})
    assert added.status_code == 302
    form = "customer_name={}&customer_phone=9845012345&address=12+MG+Road&pincode=560038&payment_method=cod"

    response = client.post(
        f"/{store.slug}/checkout/",
        data=form.format(UTF7_SURROGATE),
        content_type=UTF7_FORM,
        HTTP_ACCEPT=accept,
    )

    assert response.status_code == 400
    assert not Order.objects.exists()


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_utf7_api_body_is_a_400_in_json(seller_api, store, accept):
    before = _snapshot(store)
    for data, content_type in (
        (f"name={UTF7_SURROGATE}", UTF7_FORM),
        ('{"name": "a+2AA-b"}', "application/json; charset=utf-7"),
        ('{"name": "a\\ud800b"}', "application/json; charset=unicode_escape"),
    ):
        response = seller_api.post(
            f"/api/v1/stores/{store.slug}/categories/",
            data=data,
            content_type=content_type,
            HTTP_ACCEPT=accept,
        )
        assert response.status_code == 400
        assert "UTF-8" in response.json()["detail"]
    assert _snapshot(store) == before


def test_a_utf8_charset_in_any_spelling_is_accepted(seller_api, store):
    for number, charset in enumerate(("utf-8", "UTF8", '"utf-8"', "us-ascii", "iso-8859-1")):
        response = seller_api.post(
            f"/api/v1/stores/{store.slug}/categories/",
            data=f'{{"name": "Category {number}"}}',
            content_type=f"application/json; charset={charset}",
        )
        assert response.status_code == 201, (charset, response.content)


# --- Invalid UTF-8 bytes: Django decodes them to U+FFFD, which is text, so the form just works.


def test_percent_encoded_surrogate_bytes_in_a_form_become_replacement_characters(seller_web, store):
    response = seller_web.post(
        f"/dashboard/{store.slug}/categories/add/",
        data="name=a%ED%A0%80b",
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT="text/html",
    )

    assert response.status_code == 302
    assert Category.objects.get().name == "a\ufffd\ufffd\ufffdb"


def test_raw_surrogate_bytes_in_a_multipart_form_become_replacement_characters(seller_web, store):
    body = _multipart([(b"name", b"a\xed\xa0\x80b"), *PRODUCT_FIELDS])

    response = seller_web.post(
        f"/dashboard/{store.slug}/products/add/",
        data=body,
        content_type="multipart/form-data; boundary=dukaanboundary",
        HTTP_ACCEPT="text/html",
    )

    assert response.status_code == 302, response.content[:500]
    product = Product.objects.get()
    assert (product.name, product.price) == ("a\ufffd\ufffd\ufffdb", Decimal("12.50"))


# --- Error pages asked for as HTML render (they are never a 500 of their own).


def test_error_pages_asked_for_as_html_render(client, api_client, seller, store):
    token, _ = Token.objects.get_or_create(user=seller)
    html = {"HTTP_ACCEPT": "text/html"}

    assert client.get("/no-such-store/", **html).status_code == 404
    assert client.get("/o/a%ED%A0%80b/", **html).status_code == 404
    assert client.get("/", HTTP_HOST="evil.example", **html).status_code == 400
    api_404 = api_client.get("/api/v1/stores/no-such-store/", HTTP_AUTHORIZATION=f"Token {token.key}", **html)
    assert api_404.status_code == 404
    assert api_404["Content-Type"].startswith("text/html")
    unrouted = api_client.get("/api/v1/products/abc/", **html)
    assert unrouted.status_code == 404
    malformed = api_client.post(
        f"/api/v1/stores/{store.slug}/orders/", data="{not json", content_type="application/json", **html
    )
    assert malformed.status_code == 400
