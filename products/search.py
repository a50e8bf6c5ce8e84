"""Search inside one store (book ch. 10: not the "dumb clerk" `ILIKE '%q%'`).

On PostgreSQL: full-text search (English stemming, the name weighted above the description,
ranked with ts_rank) together with trigram similarity on the name so typos still find the
product ("runing shoes" -> "Running Shoes", "sheos" -> "Shoes"), and a small synonym list.
On SQLite (development) a simple case-insensitive match.

Everything goes through `search_product_ids`, so an external engine can replace it later.
"""

from __future__ import annotations

import contextlib
import logging
import re

from django.db import DatabaseError, connections, router, transaction
from django.db.models import Case, IntegerField, Q, Value, When

from products.models import Product

logger = logging.getLogger(__name__)

# Longer input is cut, not refused: a search box must never fail.
MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 8
# word_similarity() of the query against the name; 0.3 lets "sheos" find "Shoes" (0.33) while
# unrelated words ("sheos" vs "Cotton Socks": 0.17) stay out.
TRIGRAM_THRESHOLD = 0.3

# Words shoppers use interchangeably. Each group is expanded to all its members.
SYNONYM_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"tee", "tees", "t-shirt", "tshirt", "tshirts", "t-shirts"}),
    frozenset({"mobile", "phone", "smartphone", "cellphone"}),
    frozenset({"sneakers", "sneaker", "shoes", "shoe", "trainers"}),
    frozenset({"kurti", "kurta", "kurtis", "kurtas"}),
    frozenset({"curd", "dahi", "yogurt", "yoghurt"}),
    frozenset({"chappal", "chappals", "sandals", "sandal", "slippers"}),
    frozenset({"chai", "tea"}),
    frozenset({"atta", "flour"}),
    frozenset({"paneer", "cottage cheese"}),
    frozenset({"saree", "sari", "sarees"}),
)
_SYNONYMS: dict[str, frozenset[str]] = {word: group for group in SYNONYM_GROUPS for word in group}

_WORD = re.compile(r"[\w][\w'-]*", re.UNICODE)


def normalize_query(query: str | None) -> str:
    """The query as searched: control characters removed, whitespace collapsed, length capped."""
    if not query or not isinstance(query, str):
        return ""
    # PostgreSQL refuses NUL bytes in text; other control characters mean nothing here.
    cleaned = "".join(ch if ch.isprintable() else " " for ch in query[: MAX_QUERY_CHARS * 4])
    return " ".join(cleaned.split())[:MAX_QUERY_CHARS].strip()


def query_words(query: str) -> list[str]:
    return [word.strip("'-") for word in _WORD.findall(query.lower()) if word.strip("'-")][:MAX_QUERY_WORDS]


def expand_synonyms(word: str) -> list[str]:
    """`word` first, then its synonyms (sorted, so the SQL is stable)."""
    group = _SYNONYMS.get(word)
    if not group:
        return [word]
    return [word, *sorted(group - {word})]


def search_product_ids(store_id: int, query: str, limit: int = 200, *, active_only: bool = True) -> list[int]:
    """Ids of the store's products matching `query`, best match first.

    Empty or blank queries match nothing. Hidden products are left out unless `active_only` is
    False (the seller's own dashboard searches them too).
    """
    text = normalize_query(query)
    words = query_words(text)
    if not words:
        return []
    limit = max(1, min(int(limit), 1000))
    # Reads go where the router sends them (a replica when there is one).
    alias = router.db_for_read(Product)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        # A savepoint when inside a transaction, so a failed search cannot poison the caller's.
        guard = transaction.atomic(using=alias) if connection.in_atomic_block else contextlib.nullcontext()
        try:
            with guard:
                return _search_postgres(connection, int(store_id), text, words, limit, active_only)
        except DatabaseError:
            # e.g. pg_trgm/fuzzystrmatch missing on this server: degrade, never fail the page.
            logger.exception("full-text search failed; using the simple match")
    return _search_simple(int(store_id), words, limit, active_only)


# A STORED generated column on PostgreSQL (migration 0005): name weighted A, description B.
_DOCUMENT_SQL = "p.search_document"


def _search_postgres(
    connection, store_id: int, text: str, words: list[str], limit: int, active_only: bool
) -> list[int]:
    params: list[object] = []
    word_queries = []
    for word in words:
        alternatives = expand_synonyms(word)
        word_queries.append("(" + " || ".join("plainto_tsquery('english', %s)" for _ in alternatives) + ")")
        params.extend(alternatives)
    # Every word (or one of its synonyms) must match; "the" and other stop words drop out,
    # and numnode() = 0 detects a query of nothing but stop words.
    tsquery_sql = " && ".join(word_queries)
    active_sql = "AND p.is_active" if active_only else ""
    # Ranking: full-text rank (name words weigh more than description words), plus how close
    # the query is to the name as a whole (trigrams), plus how close each query word is to its
    # nearest name word by edit distance. The last term separates transposition typos that
    # trigrams cannot ("sheos" shares as many trigrams with "shirt" as with "shoes").
    sql = f"""
        WITH q AS (SELECT {tsquery_sql} AS ts, %s::text AS raw, %s::text[] AS words)
        SELECT p.id
        FROM products_product p
        CROSS JOIN q
        CROSS JOIN LATERAL (
            SELECT coalesce(avg(best), 0) AS closeness FROM (
                SELECT max(1 - levenshtein(qw, nw)::float / greatest(length(qw), length(nw), 1)) AS best
                FROM unnest(q.words) AS qw,
                     regexp_split_to_table(lower(p.name), '[^[:alnum:]]+') AS nw
                WHERE nw <> ''
                GROUP BY qw
            ) per_word
        ) c
        WHERE p.store_id = %s {active_sql}
          AND (
            (numnode(q.ts) > 0 AND {_DOCUMENT_SQL} @@ q.ts)
            OR word_similarity(q.raw, p.name) >= %s
          )
        ORDER BY
          (CASE WHEN numnode(q.ts) > 0 THEN ts_rank({_DOCUMENT_SQL}, q.ts) ELSE 0 END)
            + word_similarity(q.raw, p.name) + 0.5 * c.closeness DESC,
          p.position, p.id DESC
        LIMIT %s
    """  # noqa: S608 -- only placeholders and fixed SQL are interpolated
    params.extend([text.lower(), [word[:60] for word in words], store_id, TRIGRAM_THRESHOLD, limit])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _search_simple(store_id: int, words: list[str], limit: int, active_only: bool) -> list[int]:
    products = Product.objects.filter(store_id=store_id)
    if active_only:
        products = products.filter(is_active=True)
    name_hits = Q()
    for word in words:
        alternatives = expand_synonyms(word)
        any_field = Q()
        any_name = Q()
        for alternative in alternatives:
            any_field |= Q(name__icontains=alternative) | Q(description__icontains=alternative)
            any_name |= Q(name__icontains=alternative)
        products = products.filter(any_field)
        name_hits &= any_name
    ranked = products.annotate(
        in_name=Case(When(name_hits, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-in_name", "position", "-id")
    return list(ranked.values_list("id", flat=True)[:limit])
