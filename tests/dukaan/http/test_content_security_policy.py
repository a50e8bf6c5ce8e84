"""Every page carries a strict Content-Security-Policy, and nothing in the repository needs a looser
one: no inline script, event handler or style anywhere (issue 13, finding 9).

The browser half (zero violations reported by Chromium) is tests/browser/test_storefront_csp.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from dukaan.http.csp import asset_origins, cdn_origin, media_origins
from stores.admin_site import MODEL_BACKEND
from stores.models import User

ROOT = Path(__file__).resolve().parents[3]
HEADER = "Content-Security-Policy"
EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
# The test settings' DUKAAN_PUBLIC_URL: the checkout redirects its form there (the payment page).
FORM_ACTION = ["'self'", "http://localhost:8000"]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} twice in {header!r}"
        parsed[name] = values
    return parsed


def assert_strict_policy(response) -> dict[str, list[str]]:
    assert HEADER in response, f"no {HEADER} on {response.request['PATH_INFO']}"
    policy = directives(response[HEADER])
    assert {name: policy.get(name) for name in EXPECTED} == EXPECTED
    assert policy["form-action"] == FORM_ACTION
    # Nothing that would let an injected script or style run.
    assert not any(
        value in {"'unsafe-inline'", "'unsafe-eval'", "*"} or value.startswith("'nonce-")
        for values in policy.values()
        for value in values
    )
    return policy


# Inline code the policy refuses: a <script> without src= (JSON data blocks are not run), an
# on...= handler, a javascript: URL, a style attribute or a <style> block.
_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_INLINE = {
    "event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
}


def inline_code(html: str) -> list[str]:
    found = [
        f"inline <script{attributes}>"
        for attributes in _SCRIPT_TAG.findall(html)
        if not re.search(r"\bsrc\s*=", attributes) and "application/json" not in attributes
    ]
    found += [what for what, pattern in _INLINE.items() if pattern.search(html)]
    return found


def test_the_scanner_finds_each_kind_of_inline_code():
    assert inline_code('<script src="/static/js/dukaan.js" defer></script>') == []
    assert inline_code('<script type="application/json" id="data">{}</script>') == []
    assert inline_code("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_code('<button onclick="go()">') == ["event handler"]
    assert inline_code('<a href="javascript:go()">') == ["javascript: URL"]
    assert inline_code('<img src="x" style="width:1px">') == ["style attribute"]
    assert inline_code("<style>p{}</style>") == ["<style> block"]


def _templates() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(path for folder in folders for path in folder.rglob("*.html") if ".venv" not in path.parts)


def test_no_template_has_inline_script_handler_or_style():
    templates = _templates()
    assert len(templates) > 20  # the scan really read the project's templates
    offenders = {
        str(path.relative_to(ROOT)): found for path in templates if (found := inline_code(path.read_text()))
    }
    assert offenders == {}


def test_no_python_code_writes_inline_style_or_script_into_html():
    # Admin columns and template tags build HTML in Python (format_html): the same rules apply.
    sources = [
        path
        for app in ("catalogue", "checkout", "dukaan", "ops", "orders", "payments", "products", "stores")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in sources
        if (found := [f for f in inline_code(path.read_text()) if f != "<style> block"])
    }
    assert offenders == {}


@pytest.fixture
def shop(store, make_product):
    return store, make_product(store, name="Chai", price="40.00", stock=10)


def test_storefront_product_page_and_checkout_carry_the_policy(client, shop):
    store, product = shop
    pages = [client.get(f"/{store.slug}/"), client.get(f"/{store.slug}/p/{product.id}/")]
    # The second storefront answer comes from the page cache: same header.
    pages.append(client.get(f"/{store.slug}/"))
    added = client.post(f"/{store.slug}/cart/add/", {"product": product.id, "quantity": "1"})
    assert added.status_code == 302
    pages += [client.get(f"/{store.slug}/cart/"), client.get(f"/{store.slug}/checkout/")]

    for response in pages:
        assert response.status_code == 200
        assert_strict_policy(response)
        assert inline_code(response.content.decode()) == []
    assert b'src="/static/js/storefront.js"' in pages[0].content


def test_the_dashboard_carries_the_policy(seller_web, shop):
    store, product = shop
    for path in (
        "/dashboard/",
        f"/dashboard/{store.slug}/products/",
        f"/dashboard/{store.slug}/products/{product.id}/edit/",
        f"/dashboard/{store.slug}/settings/",
    ):
        response = seller_web.get(path)
        assert response.status_code == 200, path
        assert_strict_policy(response)
        assert inline_code(response.content.decode()) == [], path


def test_the_admin_login_and_a_change_form_carry_the_policy_and_run_under_it(db, shop):
    store, product = shop
    client = Client()
    login = client.get("/admin/login/")
    assert login.status_code == 200
    assert_strict_policy(login)
    assert inline_code(login.content.decode()) == []

    admin_user = User.objects.create_superuser("+919800000001", password="admin-password-123")
    client.force_login(admin_user, backend=MODEL_BACKEND)
    for path in (
        "/admin/",
        "/admin/products/product/",
        f"/admin/products/product/{product.id}/change/",
        f"/admin/stores/store/{store.id}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict_policy(response)
        assert inline_code(response.content.decode()) == [], path


def test_the_header_as_sent_is_the_same_everywhere(client, store):
    # One fixed directive order, whichever worker process answers (django-csp joins a set).
    assert client.get(f"/{store.slug}/")[HEADER] == (
        "default-src 'self'; base-uri 'self'; font-src 'self'; form-action 'self' http://localhost:8000; "
        "frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; "
        "style-src 'self'"
    )


def test_error_pages_carry_the_policy(client, db):
    assert_strict_policy(client.get("/no-such-store/"))


def test_the_api_docs_loosen_the_policy_for_swagger_ui_only(client, db):
    docs = client.get("/api/docs/")
    policy = directives(docs[HEADER])
    assert "https://cdn.jsdelivr.net" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Its configuration is a script of our own, not inline.
    assert re.search(rb'<script src="[^"]*\?script=?"', docs.content)
    assert client.get("/api/docs/?script").status_code == 200


def test_photos_and_static_files_on_a_cdn_are_allowed(client, settings, store):
    settings.AWS_STORAGE_BUCKET_NAME = "dukaan-media"
    settings.AWS_S3_ENDPOINT_URL = None
    settings.DUKAAN_CDN_DOMAIN = "cdn.mydukaan.io"
    settings.STATIC_ON_S3 = False

    policy = directives(client.get(f"/{store.slug}/")[HEADER])
    assert policy["img-src"] == ["'self'", "data:", "https://cdn.mydukaan.io"]
    assert policy["script-src"] == policy["style-src"] == ["'self'"]

    settings.STATIC_ON_S3 = True
    policy = directives(client.get("/no-such-store/")[HEADER])
    for name in ("script-src", "style-src", "font-src"):
        assert policy[name] == ["'self'", "https://cdn.mydukaan.io"]


@pytest.mark.parametrize(
    "cdn_domain", ["cdn.mydukaan.io", "127.0.0.1:9000/dukaan-media", "localhost:9000", "http://cdn.test/x"]
)
def test_the_cdn_origin_is_the_one_the_storage_builds_urls_on(cdn_domain):
    from dukaan.storage import cdn_domain_and_protocol

    domain, protocol = cdn_domain_and_protocol(cdn_domain)
    url = f"{protocol}//{domain}/products/a.jpg"
    assert url.startswith(cdn_origin(cdn_domain) + "/")


def test_media_origins_without_a_cdn():
    assert media_origins(bucket="", cdn_domain="cdn.x", endpoint_url=None, region=None) == []
    assert media_origins(bucket="b", cdn_domain="", endpoint_url="http://minio:9000", region="x") == [
        "http://minio:9000"
    ]
    assert media_origins(bucket="b", cdn_domain="", endpoint_url=None, region="ap-south-1") == [
        "https://b.s3.amazonaws.com",
        "https://b.s3.ap-south-1.amazonaws.com",
    ]


def test_local_media_adds_no_origin(settings):
    settings.AWS_STORAGE_BUCKET_NAME = ""
    assert asset_origins()["img-src"] == []


def _settings_in_subprocess(**env: str) -> str:
    code = (
        "from dukaan import settings as s; "
        "print(bool(s.CONTENT_SECURITY_POLICY), bool(s.CONTENT_SECURITY_POLICY_REPORT_ONLY), "
        "(s.CONTENT_SECURITY_POLICY or s.CONTENT_SECURITY_POLICY_REPORT_ONLY)['DIRECTIVES']['report-uri'])"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("DUKAAN_CSP")}
    base.update({"DJANGO_DEBUG": "1", "DUKAAN_DATA_DIR": "/tmp/dukaan-csp-settings-test", **env})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_operators_can_send_the_policy_report_only():
    assert _settings_in_subprocess() == "True False None"
    assert (
        _settings_in_subprocess(DUKAAN_CSP_REPORT_ONLY="1", DUKAAN_CSP_REPORT_URI="https://r.example/csp")
        == "False True ['https://r.example/csp']"
    )


def test_report_only_mode_sends_the_report_only_header(client, settings, store):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None

    response = client.get(f"/{store.slug}/")

    assert HEADER not in response
    assert "script-src 'self'" in response[f"{HEADER}-Report-Only"]
