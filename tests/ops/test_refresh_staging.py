"""refresh_staging on real PostgreSQL, as an operator runs it (deploy/staging/refresh.sh).

A source database is filled through the running app - a seller signing in by SMS code, a store and
products over the API, a customer paying on the fake gateway, a COD order the seller cancels with a
reason, a staff member editing the seller in the admin - and refreshed into a second database. The
copy must keep every row count (sessions, tokens, codes and the change log emptied by design), hold
none of the source's personal values, add up, render the storefront, and give a staff and a seller
login. A target marked production, or the source under another spelling of its URL, is refused
before anything is written.
"""

from __future__ import annotations

import glob
import html.parser
import json
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg2
import pytest
from django.core.management import CommandError, call_command

from tests.servers import ROOT, AppServer, free_port, manage

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

SELLER_PHONE = "+919811100001"
STAFF_PHONE = "+919811100002"
STAFF_PASSWORD = "staff-pass-for-this-test-1"
MY_PHONE = "+919811100099"  # the operator's own phone, for the staging logins
SLUG = "meenas-pickles"
# Tables emptied (or rewritten) by design, and what the copy holds instead.
EMPTIED = {"django_session", "authtoken_token", "stores_otpchallenge", "dukaan_cataloguechange"}
SENTINEL = "Real Customer, 12 Real Road"

SOURCE_SHELL = f"""
from stores.models import User
User.objects.create_superuser("{STAFF_PHONE}", password="{STAFF_PASSWORD}", name="Staff Person")
"""
FLAG_AND_CURSOR_SHELL = """
from catalogue.change_log import ChangeLog
from payments.models import Payment
payment = Payment.objects.get(status="captured")
# What webhook processing writes on a mismatch: the real amounts.
Payment.objects.filter(pk=payment.pk).update(
    flagged_for_review=True, review_reason=f"Gateway reported 9999.00 INR, expected {payment.amount} INR.")
log = ChangeLog()
log.save_position(log.changes_after(log.load_position()).position)  # production's invalidator position
"""


# --- databases -------------------------------------------------------------------------------------
def _server_url() -> str:
    base = dj_database_url.parse(os.environ["DATABASE_URL"])
    return f"postgres://{base['USER'] or 'postgres'}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}"


def _admin_sql(*statements: str) -> None:
    connection = psycopg2.connect(f"{_server_url()}/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def _query(dsn: str, sql: str, params: Any = None) -> list[tuple]:
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def _counts(dsn: str) -> dict[str, int]:
    tables = [r[0] for r in _query(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return {t: _query(dsn, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}  # noqa: S608


@pytest.fixture
def make_database():
    """Empty databases named dukaan_h17_*, dropped afterwards; returns their URL."""
    names = []

    def make(label: str) -> str:
        name = f"dukaan_h17_{label}_{secrets.token_hex(3)}"
        _admin_sql(f'CREATE DATABASE "{name}"')
        names.append(name)
        return f"{_server_url()}/{name}"

    yield make
    for name in names:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _leftovers() -> set[str]:
    """Scratch folders and scratch databases a refresh leaves behind (there must be none)."""
    found = set(glob.glob("/tmp/dukaan-refresh-*")) | set(glob.glob("/tmp/dukaan-scratch-pg-*"))
    databases = _query(f"{_server_url()}/postgres", "SELECT datname FROM pg_database")
    return found | {name for (name,) in databases if name.startswith("dukaan_scratch_")}


def _env(database_url: str, tmp_path: Path, port: int | None = None) -> dict[str, str]:
    drop = ("DATABASE_", "REDIS_", "AWS_", "PYTEST", "DJANGO_SETTINGS", "DUKAAN_ENVIRONMENT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="1",
        DUKAAN_DATA_DIR=str(tmp_path),
        DJANGO_SECRET_KEY="refresh-test-secret-key-only-here",
        DUKAAN_PAYMENT_WEBHOOK_SECRET="refresh-test-webhook-secret",
        DUKAAN_LOG_FORMAT="plain",
        DUKAAN_ENVIRONMENT="staging",
    )
    if port:
        env["DUKAAN_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    return env


# --- a client for the running app ----------------------------------------------------------------
class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.token = ""

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, fields: dict | list) -> tuple[str, str]:
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def api(self, method: str, path: str, body: dict | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            pytest.fail(f"{method} {path} answered {exc.code}: {exc.read()[:500]!r}")


def csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


class FormFields(html.parser.HTMLParser):
    """The fields a browser would submit from the form with `form_id` (checked boxes, selected options)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields.append((self._textarea, ""))

    def handle_data(self, data: str) -> None:
        if self._textarea and self.fields and self.fields[-1][0] == self._textarea:
            self.fields[-1] = (self._textarea, self.fields[-1][1] + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def _otp_sign_in(client: Client, log_path: Path, phone: str) -> None:
    client.api("POST", "/api/v1/auth/otp/request/", {"phone": phone})
    codes = re.findall(rf"OTP for {re.escape(phone)}: (\d+)", log_path.read_text())
    assert codes, log_path.read_text()[-2000:]
    client.token = client.api("POST", "/api/v1/auth/otp/verify/", {"phone": phone, "otp": codes[-1]})["token"]


def _admin_sign_in(base: str, phone: str, password: str) -> Client:
    admin = Client(base)
    _, login = admin.get("/admin/login/")
    url, page = admin.post(
        "/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": csrf(login), "username": phone, "password": password},
    )
    assert url.endswith("/admin/") and "Site administration" in page, page[:1000]
    return admin


def _seed_through_the_app(app: AppServer) -> None:
    app.manage("shell", "-c", SOURCE_SHELL)
    seller = Client(app.url)
    _otp_sign_in(seller, app.log_path, SELLER_PHONE)
    store = seller.api("POST", "/api/v1/stores/", {"name": "Meena's Pickles"})
    assert store["slug"] == SLUG
    seller.api("PATCH", f"/api/v1/stores/{SLUG}/", {
        "description": "Home-made pickles from Udupi.", "whatsapp_number": "+91 98111 55555",
        "upi_id": "meena.pickles@okaxis",
    })  # fmt: skip
    for name, price in (("Mango Pickle", "240.00"), ("Lime Pickle", "180.50")):
        seller.api("POST", f"/api/v1/stores/{SLUG}/products/", {"name": name, "price": price, "stock": 50})

    # A customer pays on the fake gateway (its webhook comes back over HTTP).
    shopper = Client(app.url)
    _, storefront = shopper.get(f"/{SLUG}/")
    for product_id in re.findall(r'name="product" value="(\d+)"', storefront):
        shopper.post(f"/{SLUG}/cart/add/", {"product": product_id, "quantity": "2"})
    _, checkout = shopper.get(f"/{SLUG}/checkout/")
    gateway_url, gateway_page = shopper.post(f"/{SLUG}/checkout/", {
        "csrfmiddlewaretoken": csrf(checkout),
        "checkout_key": re.search(r'name="checkout_key" value="([^"]+)"', checkout).group(1),
        "customer_name": "Lakshmi Venkataraman", "customer_phone": "98450 77777",
        "address": "44, Temple Street, Mylapore, Chennai", "pincode": "600004",
        "note": "Leave with the watchman Gopal", "payment_method": "gateway",
    })  # fmt: skip
    assert "/pay/fake/" in gateway_url, gateway_page[:1000]
    order_url, _ = shopper.post(
        urllib.parse.urlsplit(gateway_url).path, {"csrfmiddlewaretoken": csrf(gateway_page), "action": "pay"}
    )
    assert "/o/" in order_url

    # A COD order the seller cancels, with the reason a seller really writes.
    second = Client(app.url)
    second.api("POST", f"/api/v1/stores/{SLUG}/orders/", {
        "customer_name": "Farhan Qureshi", "customer_phone": "98450 88888",
        "address": "7 Lake View Road, Bhopal", "pincode": "462001", "note": "Call before coming",
        "payment_method": "cod", "items": [{"product": int(product_id), "quantity": 1}],
    })  # fmt: skip
    seller.api("PATCH", f"/api/v1/stores/{SLUG}/orders/1002/", {
        "status": "cancelled", "reason": "Farhan called from 98450 88888: moving to Indore",
    })  # fmt: skip

    # Staff edit the seller in the admin: the log entry names the seller by phone.
    admin = _admin_sign_in(app.url, STAFF_PHONE, STAFF_PASSWORD)
    _, users = admin.get("/admin/stores/user/?q=9811100001")
    user_id = re.search(r'href="/admin/stores/user/(\d+)/change/', users).group(1)
    _, form_page = admin.get(f"/admin/stores/user/{user_id}/change/")
    parser = FormFields("user_form")
    parser.feed(form_page)
    fields = [(k, v) for k, v in parser.fields if k != "name"] + [
        ("name", "Meena Raghunathan"),
        ("_save", "1"),
    ]
    url, page = admin.post(f"/admin/stores/user/{user_id}/change/", fields)
    assert url.endswith("/admin/stores/user/"), page[:3000]
    app.manage("shell", "-c", FLAG_AND_CURSOR_SHELL)
    app.manage("mark_environment", "production", "--note", "the real one")


@pytest.fixture
def seeded_source(make_database, tmp_path):
    source = make_database("src")
    port = free_port()
    app = AppServer(_env(source, tmp_path / "src", port), log_path=tmp_path / "source.log", port=port)
    app.migrate()
    with app:
        _seed_through_the_app(app)
    return source


# --- the refresh, end to end -----------------------------------------------------------------------
def test_refresh_makes_a_sanitized_usable_copy_of_everything(seeded_source, make_database, tmp_path):
    source = seeded_source
    target = make_database("stg")
    before = _counts(source)
    seeded = (
        "django_admin_log",
        "payments_paymentevent",
        "dukaan_invalidatorcursor",
        "ops_environmentmarker",
    )
    assert all(before[t] > 0 for t in (*EMPTIED, *seeded)), before
    leftovers = _leftovers()
    # Another spelling of the URLs, as an operator would type them: the server decides who is who.
    source_url = source.replace("postgres://", "postgresql://").replace("127.0.0.1", "localhost")
    env = {**_env(target, tmp_path / "stg"), "PYTHON": sys.executable,
           "PROD_DATABASE_URL": source_url, "STAGING_DATABASE_URL": target}  # fmt: skip
    result = subprocess.run(["bash", "deploy/staging/refresh.sh"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "leak check" in result.stdout and "none found" in result.stdout
    assert _leftovers() == leftovers, "a scratch folder or database was left behind"

    # Every table, every row, except what is emptied by design.
    after = _counts(target)
    assert set(after) == set(before)
    assert {t: n for t, n in after.items() if t not in EMPTIED | {"ops_environmentmarker"}} == {
        t: n for t, n in before.items() if t not in EMPTIED | {"ops_environmentmarker"}
    }
    assert all(after[t] == 0 for t in EMPTIED)
    assert _query(target, "SELECT environment FROM ops_environmentmarker") == [("staging",)]

    # The leak check, run on its own as the README says.
    out = manage(_env(target, tmp_path / "stg"), "staging_leak_check", "--source", source)
    assert "No leak" in out

    # What the issue found kept: admin log, event ids, reasons, review reasons.
    reprs = " ".join(
        r[0] + r[1] for r in _query(target, "SELECT object_repr, change_message FROM django_admin_log")
    )
    assert "9811100001" not in reprs and "Meena Raghunathan" not in reprs
    source_events = {r[0] for r in _query(source, "SELECT event_id FROM payments_paymentevent")}
    target_events = {r[0] for r in _query(target, "SELECT event_id FROM payments_paymentevent")}
    assert source_events and not source_events & target_events
    assert _query(target, "SELECT reason FROM orders_order WHERE status = 'cancelled'") == [
        ("Reason removed on staging",)
    ]
    assert (
        "9999"
        not in _query(target, "SELECT review_reason FROM payments_payment WHERE flagged_for_review")[0][0]
    )
    # Store names and descriptions are public on the storefront: kept.
    assert _query(target, "SELECT name, description FROM stores_store") == _query(
        source, "SELECT name, description FROM stores_store"
    )

    # Totals add up with the scrambled prices; delivery on top of the goods is kept.
    assert (
        _query(target, "SELECT count(*) FROM orders_orderitem WHERE line_total <> unit_price * quantity")[0][
            0
        ]
        == 0
    )
    assert (
        _query(
            target,
            """SELECT count(*) FROM orders_order o WHERE subtotal <>
        (SELECT coalesce(sum(line_total), 0) FROM orders_orderitem i WHERE i.order_id = o.id)""",
        )[0][0]
        == 0
    )
    assert _query(target, """SELECT count(*) FROM payments_payment p JOIN orders_order o ON o.id = p.order_id
        WHERE p.amount <> o.total""")[0][0] == 0  # fmt: skip
    extra = "SELECT id, total - subtotal FROM orders_order ORDER BY id"
    assert _query(target, extra) == _query(source, extra)
    assert all(isinstance(r[0], Decimal) for r in _query(target, "SELECT total FROM orders_order"))

    # The invalidator starts at staging's own beginning, and sees staging's own change.
    assert _query(target, "SELECT snapshot, last_change_id FROM dukaan_invalidatorcursor") == [("", 0)]
    seen = manage(_env(target, tmp_path / "stg"), "shell", "-c", (
        "from catalogue.change_log import ChangeLog\nfrom products.models import Product\n"
        "log = ChangeLog(); position = log.load_position()\n"
        "p = Product.objects.order_by('id').first(); p.price += 1; p.save()\n"
        "print('SEEN', p.store_id in log.changes_after(position).newest_by_store)"
    ))  # fmt: skip
    assert "SEEN True" in seen

    # The storefront renders from the copy, and both logins work.
    port = free_port()
    staging = AppServer(_env(target, tmp_path / "stg", port), log_path=tmp_path / "staging.log", port=port)
    out = staging.manage(
        "staging_login", "--phone", MY_PHONE, "--store", SLUG, "--staff", "--password", "pw-1-staging"
    )
    assert f"/admin/ with {MY_PHONE}" in out and "/dashboard/login/" in out
    with staging:
        _, page = Client(staging.url).get(f"/{SLUG}/")
        assert "Meena&#x27;s Pickles" in page or "Meena's Pickles" in page
        assert "Mango Pickle" in page and "Lime Pickle" in page
        seller = Client(staging.url)
        _otp_sign_in(seller, staging.log_path, MY_PHONE)
        listed = seller.api("GET", "/api/v1/stores/")
        assert SLUG in json.dumps(listed)
        _admin_sign_in(staging.url, MY_PHONE, "pw-1-staging")


# --- refusals: nothing changes ---------------------------------------------------------------------
@pytest.fixture
def victim(make_database):
    """A database holding real data, as a production database would; returns (url, fingerprint())."""
    url = make_database("victim")
    _query(url, "CREATE TABLE customers (name text)")
    _query(url, "INSERT INTO customers VALUES (%s)", [SENTINEL])

    def fingerprint() -> tuple:
        tables = _query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        return tuple(tables), tuple(_query(url, "SELECT name FROM customers"))

    return url, fingerprint


def _refresh(source: str, target: str, *extra: str) -> None:
    call_command("refresh_staging", "--source", source, "--target", target, *extra)


def test_a_target_whose_comment_says_production_is_refused_unchanged(victim, make_database):
    target, fingerprint = victim
    _admin_sql(f"COMMENT ON DATABASE \"{target.rsplit('/', 1)[1]}\" IS 'Dukaan PRODUCTION primary'")
    before, leftovers = fingerprint(), _leftovers()
    with pytest.raises(CommandError, match=r"nothing was changed.*marked production.*comment"):
        _refresh(make_database("src"), target)
    assert fingerprint() == before and _leftovers() == leftovers


def test_a_target_with_a_production_marker_row_is_refused_unchanged(victim, make_database):
    target, fingerprint = victim
    _query(
        target,
        "CREATE TABLE ops_environmentmarker (id bigint, environment text, marked_at timestamptz, note text)",
    )
    _query(target, "INSERT INTO ops_environmentmarker VALUES (1, 'production', now(), '')")
    before = fingerprint()
    with pytest.raises(CommandError, match=r"marked production.*ops_environmentmarker"):
        _refresh(make_database("src"), target)
    assert fingerprint() == before


@pytest.mark.parametrize(
    "spell",
    [
        lambda url: url.replace("127.0.0.1", "localhost"),
        lambda url: url.replace("postgres://", "postgresql://").replace(":5432", ""),
    ],
    ids=["localhost", "postgresql-no-port"],
)
def test_the_source_itself_under_another_url_spelling_is_refused_unchanged(victim, spell):
    url, fingerprint = victim
    before = fingerprint()
    with pytest.raises(CommandError, match="same database"):
        _refresh(url, spell(url))
    assert fingerprint() == before


def test_a_production_environment_cannot_run_the_refresh(victim, make_database, settings):
    target, fingerprint = victim
    settings.DUKAAN_ENVIRONMENT = "production"
    before = fingerprint()
    with pytest.raises(CommandError, match="DUKAAN_ENVIRONMENT is 'production'"):
        _refresh(make_database("src"), target)
    assert fingerprint() == before


def test_a_failing_step_leaves_the_target_unchanged_and_no_scratch_behind(victim, make_database):
    target, fingerprint = victim
    source = make_database("broken")
    # Not a Dukaan schema: the scratch copy restores, then migrate fails on it.
    _query(source, "CREATE TABLE stores_user (id integer, phone text)")
    _query(source, "INSERT INTO stores_user VALUES (1, '+919811199999')")
    before, leftovers = fingerprint(), _leftovers()
    with pytest.raises(CommandError, match=r"(?s)refresh failed.*migrate"):
        _refresh(source, target)
    assert fingerprint() == before
    assert _leftovers() == leftovers


def test_refresh_refuses_a_scratch_server_that_is_the_source_s(victim, make_database):
    # On this test machine source and scratch share one server: the check refuses that combination.
    target, fingerprint = victim
    before = fingerprint()
    with pytest.raises(CommandError, match="scratch server is the source's server"):
        _refresh(make_database("src"), target, "--scratch-server", f"{_server_url()}/postgres")
    assert fingerprint() == before
