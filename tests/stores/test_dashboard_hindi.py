"""The seller's dashboard in Hindi: products, orders, delivery, coupons and the rest (SPEC section 7).

Each page is drawn for a seller who chose Hindi, and every word it shows (text, and the title,
aria-label, placeholder and alt a screen reader or a phone shows) is read back: a word of English
left in it is a string nobody marked for translation, or one the catalogue does not translate.
Only the seller's own words (store, product, category and customer names, coupon codes), names
that stay as they are (WhatsApp, UPI, GST, MRP...) and numbers may be in Latin letters.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from coupons.models import Coupon
from orders.models import OrderStatus, PaymentMethod
from stores.models import Store, StoreCharge, User

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
# Names and abbreviations the Hindi interface writes as they are.
KEPT_AS_THEY_ARE = {
    "Dukaan", "WhatsApp", "UPI", "GST", "GSTIN", "MRP", "PIN", "PDF", "QR", "PNG", "SVG", "JPEG",
    "WebP", "MB", "SMS", "SKU", "Delhivery", "DIWALI", "S", "M", "L",
    "English",  # the language choice, in its own words (as हिन्दी is)
}  # fmt: skip
# The seller's and the customer's own words in the fixtures below (and conftest's make_order),
# shown as written: names, a search, the reason a seller gave, a tracking id.
OWN_WORDS = {
    "Asha's", "Kitchen", "Masala", "Chai", "chai", "Ginger", "Biscuits", "Snacks", "Ravi", "MG", "Road",
    "Packing", "FESTIVE", "DL",
}  # fmt: skip
OWN_TEXTS = ("Out of stock",)
WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")
# Links, UPI ids and an order's payment reference (DK<store>-<number>).
NOT_WORDS = re.compile(r"https?://\S+|\S+@\S+|/[\w/.-]+|\bDK\d+-\d+\b")


class _VisibleText(HTMLParser):
    """The words a person meets on the page: text outside script/style, and the attributes shown."""

    SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-copied"}
    HIDDEN_TAGS = {"script", "style", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN_TAGS:
            self._hidden += 1
        for name, value in attrs:
            if name in self.SHOWN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN_TAGS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def _english_left(html: str, *, own_words: set[str] = frozenset()) -> list[str]:
    """The pieces of visible text that still carry an English word."""
    parser = _VisibleText()
    parser.feed(html)
    allowed = KEPT_AS_THEY_ARE | OWN_WORDS | set(own_words)
    left = []
    for part in parser.parts:
        text = NOT_WORDS.sub(" ", part)
        for own in OWN_TEXTS:
            text = text.replace(own, " ")
        if any(word not in allowed for word in WORD.findall(text)):
            left.append(part)
    return left


@pytest.fixture
def hindi_seller(seller: User) -> User:
    seller.language = "hi"
    seller.save(update_fields=["language"])
    return seller


@pytest.fixture
def shop(store: Store, hindi_seller, make_product, make_category, make_order) -> dict:
    """A store with something on every page: products of each kind, a category, orders, a charge, a coupon."""
    store.upi_id = "asha@okaxis"
    store.save(update_fields=["upi_id"])
    snacks = make_category(store, name="Snacks")
    chai = make_product(store, name="Masala Chai", price="120.00", mrp=Decimal("150.00"), category=snacks)
    make_product(store, name="Ginger Chai", stock=0)
    make_product(store, name="Biscuits", stock=7, is_active=False)
    upi = make_order(store, number=1001, status=OrderStatus.PLACED, method=PaymentMethod.UPI)
    make_order(store, number=1002, status=OrderStatus.SHIPPED, method=PaymentMethod.COD)
    make_order(store, number=1003, status=OrderStatus.CANCELLED, method=PaymentMethod.COD)
    charge = StoreCharge.objects.create(store=store, name="Packing", kind="flat", amount=Decimal("10"))
    StoreCharge.objects.create(
        store=store, name="Packing", kind="percent", amount=Decimal("2"), is_active=False
    )
    coupon = Coupon.objects.create(
        store=store,
        code="FESTIVE",
        kind="percent",
        value=Decimal("10"),
        max_discount=Decimal("100"),
        min_order=Decimal("500"),
        usage_limit=50,
        expires_at=timezone.now() + timedelta(days=10),
    )
    Coupon.objects.create(store=store, code="FESTIVE2", kind="free_delivery", is_active=False)
    return {
        "store": store,
        "category": snacks,
        "product": chai,
        "order": upi,
        "charge": charge,
        "coupon": coupon,
    }


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    html = response.content.decode()
    assert '<html lang="hi">' in html, url
    return html


PAGES = [
    "/dashboard/",
    "/dashboard/stores/new/",
    "/dashboard/{slug}/settings/",
    "/dashboard/{slug}/notifications/",
    "/dashboard/{slug}/products/",
    "/dashboard/{slug}/products/?q=chai",
    "/dashboard/{slug}/products/add/",
    "/dashboard/{slug}/products/{product}/edit/",
    "/dashboard/{slug}/products/{product}/delete/",
    "/dashboard/{slug}/categories/",
    "/dashboard/{slug}/categories/add/",
    "/dashboard/{slug}/categories/{category}/edit/",
    "/dashboard/{slug}/categories/{category}/delete/",
    "/dashboard/{slug}/orders/",
    "/dashboard/{slug}/orders/?status=rejected",
    "/dashboard/{slug}/orders/1001/",
    "/dashboard/{slug}/orders/1002/",
    "/dashboard/{slug}/orders/1003/",
    "/dashboard/{slug}/delivery/",
    "/dashboard/{slug}/coupons/",
    "/dashboard/{slug}/coupons/add/",
    "/dashboard/{slug}/coupons/{coupon}/edit/",
    "/dashboard/{slug}/coupons/{coupon}/delete/",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_word_of_the_page_is_hindi_but_the_sellers_own(seller_web, shop, page):
    url = page.format(
        slug=shop["store"].slug,
        product=shop["product"].pk,
        category=shop["category"].pk,
        coupon=shop["coupon"].pk,
    )
    html = _page(seller_web, url)
    assert DEVANAGARI.search(html)
    assert _english_left(html) == []


def test_the_pages_say_what_a_hindi_seller_reads(seller_web, shop):
    slug = shop["store"].slug
    products = _page(seller_web, f"/dashboard/{slug}/products/")
    assert "+ प्रोडक्ट जोड़ें" in products and "स्टॉक में नहीं" in products and "छिपा हुआ" in products
    assert "7 स्टॉक में" in products and "Masala Chai" in products
    for english in ("Add product", "out of stock", "in stock", "Hide", "Show", "Edit", "Delete"):
        assert f">{english}<" not in products

    form = _page(seller_web, f"/dashboard/{slug}/products/add/")
    assert "कीमत (₹)" in form and "कोई कैटेगरी नहीं" in form and "स्टोर में दिखे" in form

    orders = _page(seller_web, f"/dashboard/{slug}/orders/")
    # The tabs and badges carry the statuses in Hindi; the dates their month in full.
    assert "सभी <span" in orders and ">रद्द<" in orders and ">भेज दिया गया<" in orders and "1 आइटम" in orders
    assert timezone.localtime().strftime("%B") not in orders

    order = _page(seller_web, f"/dashboard/{slug}/orders/1001/")
    assert "ग्राहक" in order and "ऑर्डर आगे बढ़ाएँ" in order and "भुगतान मिला" in order
    assert '<option value="accepted">स्वीकार हुआ</option>' in order
    assert "Move the order" not in order and "Payment received" not in order

    delivery = _page(seller_web, f"/dashboard/{slug}/delivery/")
    assert "डिलीवरी शुल्क (₹)" in delivery and "अतिरिक्त शुल्क" in delivery and "सामान का 2%" in delivery
    assert "Delivery fee" not in delivery and "Extra charges" not in delivery

    coupons = _page(seller_web, f"/dashboard/{slug}/coupons/")
    assert "10% छूट" in coupons and "50 में से 0 बार इस्तेमाल हुआ" in coupons and "FESTIVE" in coupons
    assert "(बंद)" in coupons and "मुफ़्त डिलीवरी" in coupons and "Used" not in coupons


def test_the_check_finds_english_left_on_a_page(seller_web, shop, hindi_seller):
    """The reading above would notice an unmarked string: an English page is all English to it."""
    hindi_seller.language = "en"
    hindi_seller.save(update_fields=["language"])
    page = seller_web.get(f"/dashboard/{shop['store'].slug}/products/").content.decode()
    left = _english_left(page)
    assert "+ Add product" in left and "Search your products" in left and "out of stock" in left


def test_refusals_and_confirmations_are_said_in_hindi(seller_web, shop):
    slug = shop["store"].slug
    refused = seller_web.post(f"/dashboard/{slug}/products/add/", {"name": "Chai", "price": "abc"})
    assert refused.status_code == 400
    assert "कीमत में संख्या लिखें, जैसे 199 या 199.50।" in refused.content.decode()

    bad_fee = seller_web.post(f"/dashboard/{slug}/delivery/", {"delivery_fee": "-5", "gst_percent": "0"})
    assert bad_fee.status_code == 400
    assert "डिलीवरी शुल्क में शून्य से कम रकम नहीं लिख सकते।" in bad_fee.content.decode()

    bad_coupon = seller_web.post(
        f"/dashboard/{slug}/coupons/add/", {"code": "X", "kind": "percent", "value": "500"}
    )
    assert bad_coupon.status_code == 400
    page = bad_coupon.content.decode()
    assert "2 से 30 अक्षर" in page and "ज़्यादा से ज़्यादा 100% छूट" in page
    assert _english_left(page) == []

    added = seller_web.post(
        f"/dashboard/{slug}/coupons/add/",
        {"code": "DIWALI10", "kind": "percent", "value": "10", "is_active": "on"},
        follow=True,
    )
    assert "कूपन DIWALI10 तैयार है: इसे अपने ग्राहकों से शेयर करें।" in added.content.decode()

    moved = seller_web.post(
        f"/dashboard/{slug}/orders/1001/", {"action": "status", "status": "delivered"}, follow=True
    )
    page = moved.content.decode()
    assert "जो ऑर्डर “ऑर्डर हो गया” है, उसे “डिलीवर हो गया” नहीं किया जा सकता।" in page
    assert "cannot be marked" not in page and _english_left(page) == []

    accepted = seller_web.post(
        f"/dashboard/{slug}/orders/1001/", {"action": "status", "status": "accepted"}, follow=True
    )
    assert "ऑर्डर #1001 का स्टेटस अब: स्वीकार हुआ।" in accepted.content.decode()


def test_an_english_seller_still_reads_english(seller_web, store, make_product):
    make_product(store, name="Masala Chai", stock=0)
    page = seller_web.get(f"/dashboard/{store.slug}/products/").content.decode()
    assert '<html lang="en">' in page and "+ Add product" in page and "out of stock" in page
    assert not DEVANAGARI.search(page.replace("हिन्दी", ""))
