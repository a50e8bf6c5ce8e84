"""Does any value of production's personal columns still appear anywhere in staging?

The sanitizer knows which columns it rewrites; this check does not trust it. It reads every value
of the source's personal columns (phones, names, addresses, notes, reasons, tokens, references),
then scans every text and JSON column of the staging database, whatever its table, for any of
them - so a phone that survived in the admin log, a webhook body or a column added next year is
found too. Values are compared as sequences of words (lower-cased, punctuation ignored), so
"Ravi Kumar" inside a longer text or a JSON document counts as a hit.

Two kinds of source values are not looked for, because finding them in staging proves nothing:
- values the storefront publishes anyway: a customer's note that is exactly a product name, a
  value found inside a store's or product's name or description (kept in staging by design);
- values made only of the sanitizer's own placeholder words ("Asha Sharma", PIN "560001"): a
  real customer with that name cannot be told apart from the fake one.
Values shorter than MIN_CHARS letters and digits are too common to mean anything and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg2
from psycopg2 import sql

from ops.staging import FIRST_NAMES, LAST_NAMES, PLACEHOLDER_WORDS

# Source columns that hold a person's data or a secret: (table, column).
PERSONAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("stores_user", "phone"),
    ("stores_user", "name"),
    ("stores_user", "password"),
    ("stores_store", "whatsapp_number"),
    ("stores_store", "upi_id"),
    ("stores_otpchallenge", "phone"),
    ("stores_otpchallenge", "code_hash"),
    ("stores_otpchallenge", "requested_ip"),
    ("orders_order", "customer_name"),
    ("orders_order", "customer_phone"),
    ("orders_order", "address"),
    ("orders_order", "pincode"),
    ("orders_order", "note"),
    ("orders_order", "token"),
    ("orders_order", "checkout_key"),
    ("orders_order", "checkout_fingerprint"),
    ("orders_order", "tracking_id"),
    ("orders_order", "reason"),
    ("payments_payment", "provider_ref"),
    ("payments_payment", "review_reason"),
    ("payments_paymentevent", "event_id"),
    ("payments_paymentevent", "body"),
    ("payments_paymentevent", "last_error"),
    ("django_session", "session_key"),
    ("django_session", "session_data"),
    ("authtoken_token", "key"),
)
# Source columns the storefront shows to anyone: kept in staging, so not evidence of a leak.
PUBLIC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("stores_store", "name"),
    ("stores_store", "slug"),
    ("stores_store", "description"),
    ("products_product", "name"),
    ("products_product", "description"),
    ("products_category", "name"),
    ("orders_orderitem", "name"),
)
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")
MIN_CHARS = 4
FETCH_ROWS = 2000
_WORD = re.compile(r"\w+")
_SANITIZER_WORDS = frozenset(
    word for text in (*FIRST_NAMES, *LAST_NAMES, *PLACEHOLDER_WORDS) for word in _WORD.findall(text.lower())
)


def words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


class WordMatcher:
    """Finds which of many word sequences occur inside a text, in one pass over its words."""

    def __init__(self) -> None:
        self._by_first: dict[str, dict[tuple[str, ...], str]] = {}

    def add(self, needle: tuple[str, ...], label: str) -> None:
        self._by_first.setdefault(needle[0], {}).setdefault(needle, label)

    def discard(self, needle: tuple[str, ...]) -> None:
        self._by_first.get(needle[0], {}).pop(needle, None)

    def __len__(self) -> int:
        return sum(len(group) for group in self._by_first.values())

    def find(self, text: str) -> Iterator[tuple[tuple[str, ...], str]]:
        tokens = words(text)
        for start, token in enumerate(tokens):
            for needle, label in list(self._by_first.get(token, {}).items()):
                if tokens[start : start + len(needle)] == needle:
                    yield needle, label


@dataclass(frozen=True)
class Leak:
    table: str  # in staging
    column: str
    row: str  # the row's id (or ctid) in staging
    source: str  # the source column whose value was found, "table.column"

    def __str__(self) -> str:
        # Never the value itself: this message goes to logs and CI output.
        return f"{self.table}.{self.column} (row {self.row}) holds a value of the source's {self.source}"


@dataclass(frozen=True)
class LeakReport:
    needles: int
    columns_scanned: int
    rows_scanned: int
    leak: Leak | None


def _existing_columns(cursor: Any, wanted: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
    )
    present = {(table, column) for table, column in cursor.fetchall()}
    return [pair for pair in wanted if pair in present]


def _values(connection: Any, table: str, column: str) -> Iterator[str]:
    query = sql.SQL("SELECT DISTINCT {col}::text FROM {table} WHERE {col} IS NOT NULL").format(
        col=sql.Identifier(column), table=sql.Identifier(table)
    )
    with connection.cursor(name=f"leak_src_{table}_{column}") as cursor:
        cursor.itersize = FETCH_ROWS
        cursor.execute(query)
        for (value,) in cursor:
            yield value


def personal_values(source_dsn: str) -> WordMatcher:
    """What to look for: the source's personal values, less the public and placeholder ones."""
    matcher = WordMatcher()
    connection = psycopg2.connect(source_dsn)
    try:
        connection.set_session(readonly=True)
        with connection.cursor() as cursor:
            personal = _existing_columns(cursor, PERSONAL_COLUMNS)
            public = _existing_columns(cursor, PUBLIC_COLUMNS)
        for table, column in personal:
            for value in _values(connection, table, column):
                needle = words(value)
                if sum(len(w) for w in needle) < MIN_CHARS or set(needle) <= _SANITIZER_WORDS:
                    continue
                matcher.add(needle, f"{table}.{column}")
        for table, column in public:
            for value in _values(connection, table, column):
                for needle, _ in matcher.find(value):
                    matcher.discard(needle)
    finally:
        connection.close()
    return matcher


def scan(connection: Any, matcher: WordMatcher) -> LeakReport:
    """Look through every text and JSON column of `connection`'s database; stop at the first hit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name,"
            " EXISTS (SELECT 1 FROM information_schema.columns i WHERE i.table_schema = 'public'"
            "         AND i.table_name = c.table_name AND i.column_name = 'id')"
            " FROM information_schema.columns c JOIN information_schema.tables t"
            "   ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
            " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.data_type = ANY(%s)"
            " ORDER BY 1, 2",
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
    rows = 0
    for table, column, has_id in columns:
        query = sql.SQL("SELECT {row}::text, {col}::text FROM {table} WHERE {col} IS NOT NULL").format(
            row=sql.Identifier("id") if has_id else sql.SQL("ctid"),
            col=sql.Identifier(column),
            table=sql.Identifier(table),
        )
        with connection.cursor(name="leak_scan") as cursor:
            cursor.itersize = FETCH_ROWS
            cursor.execute(query)
            for row_id, value in cursor:
                rows += 1
                for _, source in matcher.find(value):
                    return LeakReport(len(matcher), len(columns), rows, Leak(table, column, row_id, source))
    return LeakReport(len(matcher), len(columns), rows, None)


def leak_check(*, source_dsn: str, target: Any) -> LeakReport:
    """Scan `target` (a DSN, or an open DB-API connection) for the source's personal values."""
    matcher = personal_values(source_dsn)
    if not isinstance(target, str):
        return _scan_read_only(target, matcher)
    connection = psycopg2.connect(target)
    try:
        return _scan_read_only(connection, matcher)
    finally:
        connection.close()


def _scan_read_only(connection: Any, matcher: WordMatcher) -> LeakReport:
    # Named cursors need a transaction; it only reads, and is rolled back either way.
    try:
        return scan(connection, matcher)
    finally:
        connection.rollback()
