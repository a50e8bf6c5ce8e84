"""THE CORE LOOP (book ch. 2) as a brand-new seller on a phone: phone -> OTP -> store name ->
store live -> three products with photos -> the public link shows them."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PHONE_WIDTH = 390
PRODUCTS = (
    ("Masala Chai Mix", "149", (200, 90, 40)),
    ("Lemon Pickle 500 g", "220", (240, 200, 40)),
    ("Ragi Cookies", "95.50", (120, 70, 50)),
)


def _camera_photo(path: Path, colour: tuple[int, int, int], label: str) -> Path:
    """A phone-camera-sized JPEG with something drawn on it (not a flat colour)."""
    image = Image.new("RGB", (1600, 1200), (245, 240, 230))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((500, 200, 1100, 1000), 80, fill=colour)
    draw.ellipse((650, 450, 950, 750), fill=(255, 255, 255))
    draw.text((800, 600), label[:1], fill=colour, anchor="mm", font_size=200)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return path


def _fail_on_form_errors(page, step: str) -> None:
    alerts = page.locator(".errorlist, [role=alert]")
    if alerts.count():
        raise AssertionError(f"{step}: the form answered {alerts.all_inner_texts()!r} at {page.url}")


def test_new_seller_goes_from_phone_number_to_a_live_store_with_three_products(
    phone_page, dukaan_server, tmp_path
):
    page = phone_page
    digits = f"9{random.randrange(10**8, 10**9)}"
    phone_e164 = f"+91{digits}"

    # 1. Phone number.
    page.goto("/dashboard/login/")
    page.get_by_label("Mobile number").fill(f"{digits[:5]} {digits[5:]}")
    log_offset = dukaan_server.log_offset()
    page.get_by_role("button", name="Send code").click()
    page.wait_for_url(re.compile(r"/dashboard/login/verify/"))

    # 2. The one-time code, read where the console SMS backend writes it: the server log.
    code = dukaan_server.wait_for_otp(phone_e164, after=log_offset)
    page.get_by_label(re.compile("code", re.I)).fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/dashboard/stores/new/"))
    _fail_on_form_errors(page, "verify OTP")

    # 3. Name the store: it is live at once.
    store_name = f"Phone Kirana {digits[-4:]}"
    page.get_by_label("Store name").fill(store_name)
    page.get_by_role("button", name=re.compile("create", re.I)).click()
    page.wait_for_url(re.compile(r"/dashboard/(?!stores/new/)"))
    _fail_on_form_errors(page, "create store")
    # Slashes escaped: Playwright hands the pattern to JavaScript as /.../.
    link_pattern = re.escape(dukaan_server.base_url).replace("/", r"\/") + r"\/[\w-]+\/$"
    store_link = page.get_by_role("link", name=re.compile(link_pattern)).first
    store_url = store_link.get_attribute("href")
    assert store_url is not None
    slug = store_url.rstrip("/").rsplit("/", 1)[-1]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=str(tmp_path / "dashboard-home-390.png"), full_page=True)

    # 4. Three products, each with a photo from the "camera".
    for name, price, colour in PRODUCTS:
        photo = _camera_photo(tmp_path / f"{name[:5]}.jpg", colour, name)
        page.goto(f"/dashboard/{slug}/products/add/")
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label(re.compile(r"^Price")).fill(price)
        page.get_by_label("Photo").set_input_files(str(photo))
        page.get_by_role("button", name="Add product").click()
        page.wait_for_load_state()
        _fail_on_form_errors(page, f"add product {name}")
        assert "/products/add/" not in page.url, f"adding {name} stayed on the form"
    page.screenshot(path=str(tmp_path / "dashboard-products-390.png"), full_page=True)

    # 5. The shopper's view of the shared link, on the same phone-sized screen.
    response = page.goto(store_url)
    assert response is not None and response.status == 200
    assert page.get_by_role("heading", name=store_name).is_visible()
    names = page.locator(".sf-card-name").all_inner_texts()
    assert sorted(names) == sorted(name for name, _, _ in PRODUCTS)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(
        "() => { const imgs = document.querySelectorAll('.sf-card img');"
        " return imgs.length === 3 && Array.from(imgs).every(i => i.complete && i.naturalWidth > 0); }"
    )
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(tmp_path / "new-store-390.png"), full_page=True)
    assert page.js_errors == []


def test_shopper_orders_cash_on_delivery_from_the_shared_link(phone_page):
    """The last step of the loop: a customer on a phone orders from the store link."""
    page = phone_page
    page.goto("/demo-kirana/")
    card = page.locator(".sf-card", has=page.get_by_role("button", name="Add to cart")).first
    product_name = card.locator(".sf-card-name").inner_text()
    card.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/demo-kirana/cart/"))
    page.get_by_role("button", name="Checkout").click()
    page.wait_for_url(re.compile(r"/demo-kirana/checkout/"))
    page.get_by_label("Your name").fill("Meera Shopper")
    page.get_by_label("Mobile number").fill("98123 45678")
    page.get_by_label("Delivery address").fill("12 MG Road, Indiranagar, Bengaluru")
    page.get_by_label("PIN code").fill("560038")
    page.get_by_label("Cash on delivery").check()
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.wait_for_url(re.compile(r"/o/[\w-]+/"))
    _fail_on_form_errors(page, "checkout")
    assert page.get_by_role("heading", name=re.compile(r"Order #\d+")).is_visible()
    assert product_name in page.content()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    assert page.js_errors == []
