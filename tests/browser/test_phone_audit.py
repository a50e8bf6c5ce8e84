"""The audit of issue 14, repeated on every run: the pages shoppers and sellers meet, at 360x740.

Each page is checked with axe-core (vendored: tests/browser/vendor/axe.min.js) for serious and
critical violations and for sideways scrolling; the UPI QR code on the order page is decoded from
a screenshot (zxing-cpp); the storefront's link-preview tags are read as WhatsApp's crawler reads
them and their picture is fetched. One browser, one server, a few contexts shared by the module.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import require

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PHONE_360 = {"width": 360, "height": 740}
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
# WhatsApp's link-preview fetcher announces itself like this.
WHATSAPP_UA = "WhatsApp/2.23.20.0 A"
DEMO_PHONE_DIGITS = "9999999999"


def _phone_context(browser, dukaan_server, locale: str = "en-IN"):
    context = browser.new_context(
        viewport=PHONE_360,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=1,
        base_url=dukaan_server.base_url,
        locale=locale,  # what the browser sends as Accept-Language
    )
    context.set_default_timeout(15_000)
    return context


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the current page, one line each."""
    # evaluate(), not add_script_tag(): the page's CSP refuses inline scripts, DevTools' does not.
    page.evaluate(AXE_SOURCE)
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.impact + ' ' + v.id + ': '"
        " + v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', '))"
    )
    return violations


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def _audit(page, name: str, tmp_path: Path) -> None:
    page.wait_for_load_state("load")
    page.screenshot(path=str(tmp_path / f"{name}-360.png"), full_page=True)
    problems = serious_axe_violations(page)
    overflow = sideways_overflow(page)
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px at 360px")
    assert problems == [], f"{name} ({page.url}):\n" + "\n".join(problems)


def _fill_checkout(page, method: str) -> None:
    page.get_by_label("Your name").fill("Asha Shopper")
    page.get_by_label("Mobile number").fill("98123 45678")
    page.get_by_label("Delivery address").fill("4 Temple Street, Mylapore, Chennai")
    page.get_by_label("PIN code").fill("600004")
    page.get_by_role("radio", name=method, exact=True).check()
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.wait_for_url(re.compile(r"/o/[\w-]+/"))


def _order_from_storefront(page, method: str) -> str:
    page.goto("/demo-kirana/")
    page.locator(".sf-card").get_by_role("button", name="Add to cart").first.click()
    page.wait_for_url(re.compile(r"/demo-kirana/cart/"))
    page.get_by_role("button", name="Checkout").click()
    page.wait_for_url(re.compile(r"/demo-kirana/checkout/"))
    _fill_checkout(page, method)
    return urlsplit(page.url).path


@pytest.fixture(scope="module")
def shopper(browser, dukaan_server) -> Iterator[dict]:
    """One shopper who has placed a UPI and a cash order; their context and the orders' pages."""
    context = _phone_context(browser, dukaan_server)
    page = context.new_page()
    orders = {
        "upi": _order_from_storefront(page, "UPI"),
        "cash": _order_from_storefront(page, "Cash on delivery"),
    }
    page.goto("/demo-kirana/")
    product_path = page.locator(".sf-card a").first.get_attribute("href")
    page.close()
    try:
        yield {"context": context, "orders": orders, "product": product_path}
    finally:
        context.close()


def _sign_in(page, dukaan_server, digits: str) -> None:
    page.goto("/dashboard/login/")
    page.get_by_label("Mobile number").fill(digits)
    offset = dukaan_server.log_offset()
    page.get_by_role("button", name="Send code").click()
    page.wait_for_url(re.compile(r"/dashboard/login/verify/"))
    code = dukaan_server.wait_for_otp(f"+91{digits}", after=offset)
    page.get_by_label(re.compile("code", re.I)).fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/dashboard/(?!login)"))


@pytest.fixture(scope="module")
def seller(browser, dukaan_server, shopper) -> Iterator[dict]:
    """The demo store's seller, signed in (after the shopper's orders, so the order pages have some)."""
    context = _phone_context(browser, dukaan_server)
    page = context.new_page()
    _sign_in(page, dukaan_server, DEMO_PHONE_DIGITS)
    page.close()
    try:
        yield {"context": context}
    finally:
        context.close()


def _visit_cart(page, state: dict) -> None:
    # Through "Add to cart", so the cart shows its flash message (the message list is audited too).
    page.goto("/demo-kirana/")
    page.locator(".sf-card").get_by_role("button", name="Add to cart").first.click()
    page.wait_for_url(re.compile(r"/demo-kirana/cart/"))


def _product_with_variants(page, state: dict) -> None:
    page.goto("/demo-kirana/")
    page.get_by_role("link", name="Toor Dal", exact=True).click()
    page.wait_for_url(re.compile(r"/demo-kirana/p/\d+/"))


SHOPPER_PAGES: dict[str, Callable[[object, dict], None]] = {
    "storefront": lambda page, state: page.goto("/demo-kirana/"),
    "product": lambda page, state: page.goto(state["product"]),
    "product-with-variants": _product_with_variants,
    "cart": _visit_cart,
    "checkout": lambda page, state: page.goto("/demo-kirana/checkout/"),
    "order-upi": lambda page, state: page.goto(state["orders"]["upi"]),
    "order-cash": lambda page, state: page.goto(state["orders"]["cash"]),
}


@pytest.mark.parametrize("name", list(SHOPPER_PAGES))
def test_shopper_page_passes_axe_and_fits_360px(name, shopper, tmp_path):
    page = shopper["context"].new_page()
    try:
        SHOPPER_PAGES[name](page, shopper)
        _audit(page, name, tmp_path)
    finally:
        page.close()


def test_sign_in_pages_pass_axe_and_fit_360px(browser, dukaan_server, tmp_path):
    context = _phone_context(browser, dukaan_server)
    try:
        page = context.new_page()
        page.goto("/dashboard/login/")
        _audit(page, "seller-login", tmp_path)
        digits = f"9{random.randrange(10**8, 10**9)}"
        page.get_by_label("Mobile number").fill(digits)
        page.get_by_role("button", name="Send code").click()
        page.wait_for_url(re.compile(r"/dashboard/login/verify/"))
        # The "we sent a code" flash message is on this page: the message list is audited too.
        assert page.get_by_role("status").count() == 1
        _audit(page, "code-entry", tmp_path)
    finally:
        context.close()


def test_sign_in_pages_in_hindi_pass_axe_and_fit_360px(browser, dukaan_server, tmp_path):
    """A phone set to Hindi gets the sign-in pages in Hindi; Devanagari's longer words still fit."""
    context = _phone_context(browser, dukaan_server, locale="hi-IN")
    try:
        page = context.new_page()
        page.goto("/dashboard/login/")
        assert page.locator("html").get_attribute("lang") == "hi"
        # The way back to English is a link named in English, read in an English voice.
        english = page.get_by_role("link", name="English", exact=True)
        assert (english.get_attribute("lang"), english.get_attribute("hreflang")) == ("en", "en")
        assert english.bounding_box()["height"] >= 44
        _audit(page, "seller-login-hi", tmp_path)
        page.get_by_label("मोबाइल नंबर").fill(f"9{random.randrange(10**8, 10**9)}")
        page.get_by_role("button", name="कोड भेजें").click()
        page.wait_for_url(re.compile(r"/dashboard/login/verify/"))
        assert page.get_by_role("status").inner_text().strip() == "कोड SMS से भेज दिया गया है।"
        _audit(page, "code-entry-hi", tmp_path)
        # The switch on an English page: ?lang=en, then back to Hindi from its link.
        page.goto("/dashboard/login/?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_role("link", name="हिन्दी", exact=True).click()
        page.wait_for_url(re.compile(r"/dashboard/login/\?lang=hi$"))
        assert page.get_by_role("button", name="कोड भेजें").count() == 1
    finally:
        context.close()


def _first_order_detail(page, state: dict) -> None:
    page.goto("/dashboard/demo-kirana/orders/")
    page.locator(".do-link").first.click()
    page.wait_for_url(re.compile(r"/orders/\d+/"))


def _variants_page(page, state: dict) -> None:
    page.goto("/dashboard/demo-kirana/products/?q=toor")
    page.get_by_role("link", name="Toor Dal", exact=True).first.click()
    page.get_by_role("link", name="Edit sizes and colours").click()
    page.wait_for_url(re.compile(r"/products/\d+/variants/"))


SELLER_PAGES: dict[str, Callable[[object, dict], None]] = {
    "product-variants": _variants_page,
    "dashboard-home": lambda page, state: page.goto("/dashboard/"),
    "product-list": lambda page, state: page.goto("/dashboard/demo-kirana/products/"),
    "product-form": lambda page, state: page.goto("/dashboard/demo-kirana/products/add/"),
    "order-list": lambda page, state: page.goto("/dashboard/demo-kirana/orders/"),
    "order-detail": _first_order_detail,
    "store-poster": lambda page, state: page.goto("/dashboard/demo-kirana/poster/"),
    "delivery-and-charges": lambda page, state: page.goto("/dashboard/demo-kirana/delivery/"),
    "coupons": lambda page, state: page.goto("/dashboard/demo-kirana/coupons/"),
    "coupon-form": lambda page, state: page.goto("/dashboard/demo-kirana/coupons/add/"),
}


@pytest.mark.parametrize("name", list(SELLER_PAGES))
def test_seller_page_passes_axe_and_fits_360px(name, seller, tmp_path):
    page = seller["context"].new_page()
    try:
        SELLER_PAGES[name](page, seller)
        _audit(page, name, tmp_path)
    finally:
        page.close()


def test_upi_qr_on_the_order_page_decodes_to_the_exact_upi_link(shopper, tmp_path):
    zxingcpp = _import_zxing()
    from PIL import Image

    page = shopper["context"].new_page()
    try:
        page.goto(shopper["orders"]["upi"])
        upi_link = page.get_by_role("link", name="Pay with a UPI app").get_attribute("href")
        assert upi_link is not None and upi_link.startswith("upi://pay?pa=demokirana@upi&")
        # What the shopper sees at 360px: the card around the code, as the screen draws it.
        card = page.get_by_role("region", name="Pay by UPI")
        card.scroll_into_view_if_needed()
        shot = card.screenshot(path=str(tmp_path / "upi-card-360.png"))
        results = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
        assert [r.text for r in results] == [upi_link]
        assert results[0].format == zxingcpp.BarcodeFormat.QRCode  # a full QR code, not a Micro QR
        box = page.locator(".co-qr svg").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_360["width"]
    finally:
        page.close()


def test_place_order_is_on_the_first_screen_with_a_payment_method_chosen(shopper):
    page = shopper["context"].new_page()
    try:
        _visit_cart(page, shopper)
        page.get_by_role("button", name="Checkout").click()
        page.wait_for_url(re.compile(r"/demo-kirana/checkout/"))
        box = page.get_by_role("button", name=re.compile("Place order")).bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE_360["height"], box
        assert page.get_by_role("radio", name="Cash on delivery").is_checked()
        assert page.get_by_label("Your name").get_attribute("autocomplete") == "name"
    finally:
        page.close()


def test_a_changed_quantity_reaches_checkout_without_update_cart(shopper):
    page = shopper["context"].new_page()
    try:
        _visit_cart(page, shopper)
        page.locator(".co-qty").first.fill("3")
        page.get_by_role("button", name="Checkout").click()
        page.wait_for_url(re.compile(r"/demo-kirana/checkout/"))
        assert page.locator(".co-mini li").first.inner_text().startswith("3 \u00d7 ")
    finally:
        page.close()


def test_the_counter_poster_prints_a_qr_code_that_opens_the_store(seller, dukaan_server, tmp_path):
    zxingcpp = _import_zxing()
    from PIL import Image

    page = seller["context"].new_page()
    try:
        page.goto("/dashboard/demo-kirana/poster/")
        page.emulate_media(media="print")
        shot = page.locator(".poster").screenshot(path=str(tmp_path / "poster-print.png"))
        results = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
        assert [r.text for r in results] == [f"{dukaan_server.base_url}/demo-kirana/"]
        assert page.get_by_role("heading", name="Demo Kirana").is_visible()
        assert not page.get_by_role("button", name=re.compile("Print")).is_visible()  # not on paper
    finally:
        page.close()


def _import_zxing():
    try:
        import zxingcpp
    except ImportError:
        require(False, "zxing-cpp (pip install zxing-cpp) to decode QR codes")
    return zxingcpp


class _MetaTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta":
            key = values.get("property") or values.get("name")
            if key:
                self.tags.setdefault(key, values.get("content") or "")
        elif tag == "link" and values.get("rel"):
            self.links.setdefault(values["rel"], values.get("href") or "")


def _preview_tags(request, url: str) -> dict[str, str]:
    response = request.get(url, headers={"User-Agent": WHATSAPP_UA})
    assert response.status == 200, url
    parser = _MetaTags()
    parser.feed(response.text())
    return parser.tags


@pytest.mark.parametrize("which", ["storefront", "product"])
def test_link_preview_tags_carry_an_absolute_picture_that_answers(which, shopper, dukaan_server):
    from PIL import Image

    request = shopper["context"].request
    path = "/demo-kirana/" if which == "storefront" else shopper["product"]
    tags = _preview_tags(request, dukaan_server.base_url + path)
    for key in ("og:title", "og:description", "og:image", "og:url", "og:type", "twitter:card"):
        assert tags.get(key), f"{which} page has no {key}"
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:url"] == dukaan_server.base_url + path
    image_url = tags["og:image"]
    assert image_url.startswith(("http://", "https://")), image_url
    picture = request.get(image_url, headers={"User-Agent": WHATSAPP_UA})
    assert picture.status == 200, image_url
    assert picture.headers["content-type"].startswith("image/")
    image = Image.open(io.BytesIO(picture.body()))
    image.verify()
    if which == "storefront":
        assert image.size == (1200, 630)
