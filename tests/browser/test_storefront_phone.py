"""The demo storefront in headless Chromium on a 390px-wide phone."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PHONE_WIDTH = 390


def _card_prices(page) -> list[Decimal]:
    texts = page.locator(".sf-card .sf-price strong").all_inner_texts()
    return [Decimal(re.sub(r"[^\d.]", "", text)) for text in texts]


def _scroll_through(page) -> None:
    """Scroll to the bottom step by step so every lazy image is asked for."""
    page.evaluate(
        """async () => {
            for (let y = 0; y < document.body.scrollHeight; y += 400) {
                window.scrollTo(0, y);
                await new Promise(r => setTimeout(r, 60));
            }
            window.scrollTo(0, 0);
        }"""
    )


def _broken_images(page) -> list[str]:
    page.wait_for_function("() => Array.from(document.images).every(img => img.complete)", timeout=15_000)
    return page.evaluate(
        "() => Array.from(document.images).filter(img => img.naturalWidth === 0).map(img => img.src)"
    )


def test_demo_storefront_fits_a_phone_and_sorts_by_price(phone_page, tmp_path):
    page = phone_page
    response = page.goto("/demo-kirana/")
    assert response is not None and response.status == 200
    assert page.get_by_role("heading", name="Demo Kirana").is_visible()

    # No sideways scrolling on a 390px phone.
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    # Two product columns.
    columns = page.evaluate(
        "() => new Set(Array.from(document.querySelectorAll('.sf-card'))"
        ".map(c => c.getBoundingClientRect().left)).size"
    )
    assert columns == 2

    _scroll_through(page)
    assert page.locator(".sf-card img").count() >= 10
    assert _broken_images(page) == []
    page.screenshot(path=str(tmp_path / "storefront-390.png"), full_page=True)

    # The sort control submits itself when changed (and works as a plain form without JS).
    page.get_by_label("Sort").select_option("price_asc")
    page.wait_for_url(re.compile(r"sort=price_asc"))
    prices = _card_prices(page)
    assert len(prices) >= 10
    assert prices == sorted(prices)
    page.get_by_label("Sort").select_option("price_desc")
    page.wait_for_url(re.compile(r"sort=price_desc"))
    assert _card_prices(page) == sorted(prices, reverse=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    assert page.js_errors == []


def test_category_chip_and_product_page_on_a_phone(phone_page, tmp_path):
    page = phone_page
    page.goto("/demo-kirana/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Snacks").click()
    page.wait_for_url(re.compile(r"category=\d+"))
    names = page.locator(".sf-card-name").all_inner_texts()
    assert names and all(
        n in {"Masala Peanuts 200 g", "Aloo Bhujia 400 g", "Banana Chips 250 g", "Khakhra Combo (4 flavours)"}
        for n in names
    )

    page.get_by_role("link", name="Aloo Bhujia 400 g").click()
    page.wait_for_url(re.compile(r"/demo-kirana/p/\d+/"))
    assert page.get_by_role("heading", name="Aloo Bhujia 400 g").is_visible()
    assert _broken_images(page) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=str(tmp_path / "product-390.png"), full_page=True)
    assert page.js_errors == []


def test_search_box_finds_a_product(phone_page):
    page = phone_page
    page.goto("/demo-kirana/")
    page.get_by_label("Search this store").fill("coffee")
    page.get_by_label("Search this store").press("Enter")
    page.wait_for_url(re.compile(r"q=coffee"))
    assert page.locator(".sf-card-name").all_inner_texts() == ["Filter Coffee Powder 250 g"]


def test_add_to_cart_counts_for_this_shopper_only(phone_page, browser, dukaan_server):
    page = phone_page
    page.goto("/demo-kirana/")
    card = page.locator(".sf-card", has=page.get_by_role("button", name="Add to cart")).first
    card.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/demo-kirana/cart/"))
    page.goto("/demo-kirana/")
    assert page.locator("[data-cart-count]").inner_text() == "1"

    # Another shopper opening the same store sees their own (empty) cart.
    other = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 844}, base_url=dukaan_server.base_url
    )
    try:
        other_page = other.new_page()
        other_page.goto("/demo-kirana/")
        assert other_page.locator("[data-cart-count]").inner_text() == "0"
    finally:
        other.close()


def test_pages_of_a_bigger_store_keep_the_sort(phone_page, dukaan_server, tmp_path):
    dukaan_server.manage("seed_demo", "--products", "60", "--slug", "browser-bazaar")
    page = phone_page
    page.goto("/browser-bazaar/?sort=price_desc")
    assert page.locator(".sf-card").count() == 24
    first_page_prices = _card_prices(page)
    page.get_by_role("link", name=re.compile("Next")).click()
    page.wait_for_url(re.compile(r"sort=price_desc&page=2"))
    second_page_prices = _card_prices(page)
    assert len(second_page_prices) == 24
    assert min(first_page_prices) >= max(second_page_prices)
    # Page numbers, not only "Next": page 3 is one tap away, and the sort stays on.
    page.get_by_role("link", name="Page 3").click()
    page.wait_for_url(re.compile(r"sort=price_desc&page=3"))
    assert page.locator(".sf-page-numbers [aria-current=page]").inner_text() == "3"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=str(tmp_path / "bazaar-page-2-390.png"), full_page=True)


def test_unknown_store_shows_the_friendly_404_on_a_phone(phone_page, tmp_path):
    page = phone_page
    response = phone_page.goto("/no-such-store-anywhere/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="We couldn't find that page").is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=str(tmp_path / "404-390.png"), full_page=True)


def test_a_shopper_picks_a_pack_and_the_sold_out_one_cannot_be_chosen(phone_page, tmp_path):
    page = phone_page
    page.goto("/demo-kirana/")
    card = page.locator(".sf-card", has=page.get_by_role("link", name="Toor Dal", exact=True))
    assert "from" in card.locator(".sf-price").inner_text()
    card.get_by_role("link", name="Choose options").click()
    page.wait_for_url(re.compile(r"/demo-kirana/p/\d+/"))

    picker = page.get_by_role("group", name="Pack")
    assert picker.get_by_role("radio").count() == 3
    assert picker.get_by_role("radio", name=re.compile("500 g")).is_checked()
    sold_out = picker.get_by_role("radio", name=re.compile("5 kg"))
    assert sold_out.is_disabled()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=str(tmp_path / "variant-picker-390.png"), full_page=True)

    picker.get_by_text("1 kg").click()
    assert picker.get_by_role("radio", name=re.compile("1 kg")).is_checked()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/demo-kirana/(cart/|p/)"))
    page.goto("/demo-kirana/cart/")
    line = page.locator(".co-line", has_text="Toor Dal (1 kg)")
    assert line.count() == 1
    assert "₹169" in line.inner_text()
    assert page.js_errors == []
