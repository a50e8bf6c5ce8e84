"""Search inside one store: stemming, typos and synonyms, not a bare `ILIKE '%q%'`.

On PostgreSQL: full-text search (English stemming, the name weighted above the description,
ranked with ts_rank) together with trigram similarity on the name so typos still find the
product ("runing shoes" -> "Running Shoes", "sheos" -> "Shoes"), and a small synonym list.
Web-search syntax as shoppers type it: `shoe -nike` leaves Nike out, `"basmati rice"` wants the
words together (PostgreSQL's websearch_to_tsquery reads both).
On SQLite (development) a simple case-insensitive match.

Everything goes through `search_product_ids`, so an external engine can replace it later.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.db import DatabaseError, connections, router, transaction
from django.db.models import Case, IntegerField, Q, Value, When

from products.models import Product

logger = logging.getLogger(__name__)

# Longer input is cut, not refused: a search box must never fail.
MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 8
# word_similarity() of the query against the name: at least TRIGRAM_THRESHOLD to be considered
# ("sheos" vs "Running Shoes": 0.33; vs "Cotton Socks": 0.17), and then either a strong
# similarity ("runing shoes": 0.8) or words within a small edit distance of the name's words.
TRIGRAM_THRESHOLD = 0.3
STRONG_SIMILARITY = 0.5
EDIT_CLOSENESS = 0.5

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


# A term of the query: an optional leading minus, then a "quoted phrase" or a bare word.
_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


def query_words(query: str) -> list[str]:
    return [word.strip("'-") for word in _WORD.findall(query.lower()) if word.strip("'-")][:MAX_QUERY_WORDS]


@dataclass(frozen=True)
class ParsedQuery:
    """A query split as web search does: words to find, phrases to find together, terms to leave out."""

    words: list[str]
    phrases: list[str]
    excluded: list[str]

    @property
    def constraint(self) -> str:
        """The phrases and exclusions in websearch_to_tsquery's own syntax ("" when none)."""
        return " ".join([*(f'"{p}"' for p in self.phrases), *(f"-{word}" for word in self.excluded)])


def parse_query(query: str) -> ParsedQuery:
    """`shoe -nike "running shoes"` -> words [shoe, running, shoes], phrase, excluded [nike]."""
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    for match in _TERM.finditer(query.lower()):
        minus, phrase, word_minus, word = match.groups()
        negated = bool(minus if phrase is not None else word_minus)
        text = phrase if phrase is not None else word
        found = query_words(text or "")
        if not found:
            continue
        if negated:
            # A left-out phrase leaves out its words (one at a time is what shoppers mean by it).
            excluded.extend(found)
        else:
            words.extend(found)
            if phrase is not None and len(found) > 1:
                phrases.append(" ".join(found))
    return ParsedQuery(words[:MAX_QUERY_WORDS], phrases[:MAX_QUERY_WORDS], excluded[:MAX_QUERY_WORDS])


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
    parsed = parse_query(text)
    words = parsed.words
    if not words:
        return []  # nothing to find ("-nike" alone lists nothing, as an empty query does)
    limit = max(1, min(int(limit), 1000))
    # Reads go where the router sends them (a replica when there is one).
    alias = router.db_for_read(Product)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        try:
            # Its own transaction (a savepoint inside the caller's): the trigram threshold is set
            # transaction-locally, and a failed search cannot poison the caller's transaction.
            nested = connection.in_atomic_block
            with transaction.atomic(using=alias):
                return _search_postgres(connection, int(store_id), parsed, limit, active_only, nested=nested)
        except DatabaseError:
            # e.g. pg_trgm/fuzzystrmatch missing on this server: degrade, never fail the page.
            logger.exception("full-text search failed; using the simple match")
    return _search_simple(int(store_id), parsed, limit, active_only)


# Candidates re-ranked with the (comparatively costly) edit distance; the rest keep their order.
RERANK_CANDIDATES = 500


def _search_postgres(
    connection, store_id: int, parsed: ParsedQuery, limit: int, active_only: bool, *, nested: bool
) -> list[int]:
    words = parsed.words
    tsquery_params: list[object] = []
    word_queries = []
    for word in words:
        alternatives = expand_synonyms(word)
        word_queries.append("(" + " || ".join("plainto_tsquery('english', %s)" for _ in alternatives) + ")")
        tsquery_params.extend(alternatives)
    # Every word (or one of its synonyms) must match; stop words ("the") drop out.
    tsquery_sql = " && ".join(word_queries)
    # Trigrams compare the words to find with the name: not the minus signs and quotes.
    raw = " ".join(words)
    active_sql = "AND p.is_active" if active_only else ""
    # Phrases and left-out words hold for every candidate, found by full text or by a close name.
    # (numnode = 0: only stop words, e.g. "-the", which constrain nothing.)
    constraint_sql = ""
    constraint_params: list[object] = []
    if parsed.constraint:
        constraint_sql = (
            "AND (numnode(websearch_to_tsquery('english', %s)) = 0"
            " OR p.search_document @@ websearch_to_tsquery('english', %s))"
        )
        constraint_params = [parsed.constraint, parsed.constraint]
    # p.search_document is a STORED generated column (migration 0005): name weighted A above
    # description B, GIN-indexed. `<%` (written `<%%` for the driver) is pg_trgm's word
    # similarity operator (GIN-indexed on name): true above pg_trgm.word_similarity_threshold,
    # which is set around this query only.
    #
    # A product is found by full text, or by a name close to the query: very similar trigrams,
    # or some similarity plus a small edit distance per word. Trigrams alone cannot tell
    # "sheos" -> "shoes" (a typo) from "shawl" -> "shoes" (a different word): both share
    # only "s", "sh"; the edit distance can (2 vs 4 letters).
    # Ranking: full-text rank (name above description) + trigram similarity to the name +
    # half the per-word edit closeness.
    sql = f"""
        WITH candidates AS (
            SELECT p.id, p.name, p.position,
                   p.search_document @@ ({tsquery_sql}) AS text_match,
                   word_similarity(%s, p.name) AS similarity,
                   ts_rank(p.search_document, {tsquery_sql}) AS rank
            FROM products_product p
            WHERE p.store_id = %s {active_sql} {constraint_sql}
              AND (p.search_document @@ ({tsquery_sql}) OR %s <%% p.name)
            ORDER BY p.search_document @@ ({tsquery_sql}) DESC, word_similarity(%s, p.name) DESC,
                     p.position, p.id DESC
            LIMIT %s
        )
        SELECT c.id
        FROM candidates c
        CROSS JOIN LATERAL (
            SELECT coalesce(avg(best), 0) AS closeness FROM (
                SELECT max(1 - levenshtein(qw, nw)::float / greatest(length(qw), length(nw), 1)) AS best
                FROM unnest(%s::text[]) AS qw,
                     regexp_split_to_table(lower(c.name), '[^[:alnum:]]+') AS nw
                WHERE nw <> ''
                GROUP BY qw
            ) per_word
        ) edit
        WHERE c.text_match OR c.similarity >= %s OR edit.closeness >= %s
        ORDER BY c.rank + c.similarity + 0.5 * edit.closeness DESC, c.position, c.id DESC
        LIMIT %s
    """  # noqa: S608 -- only placeholders and fixed SQL are interpolated
    params = [
        *tsquery_params,
        raw,
        *tsquery_params,
        store_id,
        *constraint_params,
        *tsquery_params,
        raw,
        *tsquery_params,
        raw,
        RERANK_CANDIDATES,
        [word[:60] for word in words],
        STRONG_SIMILARITY,
        EDIT_CLOSENESS,
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('pg_trgm.word_similarity_threshold', true), "
            "set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(TRIGRAM_THRESHOLD)],
        )
        previous = cursor.fetchone()[0]
        cursor.execute(sql, params)
        found = [row[0] for row in cursor.fetchall()]
        if nested and previous:
            # Inside the caller's transaction the setting would outlive this search: put it back.
            cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [previous])
        return found


def _search_simple(store_id: int, parsed: ParsedQuery, limit: int, active_only: bool) -> list[int]:
    words = parsed.words
    products = Product.objects.filter(store_id=store_id)
    if active_only:
        products = products.filter(is_active=True)
    for phrase in parsed.phrases:
        products = products.filter(Q(name__icontains=phrase) | Q(description__icontains=phrase))
    for word in parsed.excluded:
        products = products.exclude(Q(name__icontains=word) | Q(description__icontains=word))
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
