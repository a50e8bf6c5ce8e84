"""The storefront runs under its Content-Security-Policy in a real browser: Chromium reports no
violation and the storefront script (a static file now, not inline) still runs on a phone."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.browser]

# Installed before any page script: every violation the browser reports, with what it blocked.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def test_the_storefront_runs_with_zero_csp_violations_on_a_phone(phone_page):
    page = phone_page
    page.add_init_script(RECORD_VIOLATIONS)
    console_refusals: list[str] = []
    page.on(
        "console",
        lambda message: (
            console_refusals.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    seen: list[list[str]] = []

    def visit(path: str) -> None:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        seen.append(page.evaluate("window.__cspViolations"))

    visit("/demo-kirana/")
    # The storefront script ran: it marks <html> and fills in (and shows) the cart badge.
    # (page.evaluate, not wait_for_function: its polling evals a string, which the policy refuses.)
    assert seen[-1] == []
    assert page.evaluate("document.documentElement.classList.contains('js')")
    badge = page.locator("[data-cart-count]")
    assert badge.is_visible()
    assert badge.inner_text() == "0"
    # With the "js" class the sort form's button is hidden (CSS from the static sheet).
    assert not page.locator(".sf-sort-go").is_visible()

    # A product page, the cart and checkout (the cart cookie now counts one item).
    page.locator(".sf-card a").first.click()
    page.wait_for_url(re.compile(r"/demo-kirana/p/\d+/"))
    visit(page.url)
    page.get_by_role("button", name="Add to cart").first.click()
    page.wait_for_url(re.compile(r"/demo-kirana/cart/"))
    visit("/demo-kirana/checkout/")
    visit("/demo-kirana/")
    assert page.locator("[data-cart-count]").inner_text() == "1"

    assert seen == [[]] * len(seen)
    assert console_refusals == []
    assert page.js_errors == []
