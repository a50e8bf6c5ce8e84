"""Search inside a store: full text + trigram + synonyms on PostgreSQL, a simple match on SQLite."""

from __future__ import annotations

import pytest

from products.search import normalize_query, search_product_ids


@pytest.fixture
def shoe_store(store, make_product):
    products = {
        "running": make_product(store, name="Running Shoes", description="Light mesh for daily runs"),
        "socks": make_product(store, name="Cotton Socks", description="Pack of three"),
        "tee": make_product(store, name="Printed T-Shirt", description="Soft cotton tee"),
        "bag": make_product(store, name="Gym Bag", description="Fits your running shoes and a towel"),
        "kurta": make_product(store, name="Festive Kurta", description="Silk blend"),
        "dahi": make_product(store, name="Fresh Dahi", description="Set every morning"),
        "phone": make_product(store, name="Phone Cover", description="Fits most models"),
        "hidden": make_product(store, name="Running Cap", is_active=False),
    }
    return products


def ids(*products) -> list[int]:
    return [product.pk for product in products]


def test_an_exact_word_finds_the_product(shoe_store, store):
    assert search_product_ids(store.pk, "socks") == ids(shoe_store["socks"])


def test_empty_and_blank_queries_find_nothing(shoe_store, store):
    assert search_product_ids(store.pk, "") == []
    assert search_product_ids(store.pk, "   \n\t ") == []
    assert search_product_ids(store.pk, None) == []  # type: ignore[arg-type]


def test_hostile_input_never_errors(shoe_store, store):
    for query in ["x" * 10_000, "chai\x00; drop table", "' OR 1=1 --", "%_%", "!!!&|:*()", "🙂 " * 500]:
        assert isinstance(search_product_ids(store.pk, query), list)


def test_queries_are_cut_to_a_sane_length():
    assert len(normalize_query("a" * 10_000)) == 100
    assert normalize_query("  chai\x00  \n masala ") == "chai masala"


def test_hidden_products_are_left_out_unless_asked_for(shoe_store, store):
    assert shoe_store["hidden"].pk not in search_product_ids(store.pk, "cap")
    assert shoe_store["hidden"].pk in search_product_ids(store.pk, "cap", active_only=False)


def test_another_stores_products_are_never_found(shoe_store, store, other_store, make_product):
    make_product(other_store, name="Running Shoes")

    assert search_product_ids(store.pk, "running shoes")[0] == shoe_store["running"].pk
    assert all(pk in {p.pk for p in shoe_store.values()} for pk in search_product_ids(store.pk, "shoes"))


def test_synonyms_find_the_other_word(shoe_store, store):
    assert shoe_store["kurta"].pk in search_product_ids(store.pk, "kurti")
    assert shoe_store["dahi"].pk in search_product_ids(store.pk, "curd")
    assert shoe_store["phone"].pk in search_product_ids(store.pk, "mobile")
    assert shoe_store["tee"].pk in search_product_ids(store.pk, "tshirt")


@pytest.mark.postgres
def test_typos_still_find_the_product_on_postgres(shoe_store, store):
    assert search_product_ids(store.pk, "runing shoes")[0] == shoe_store["running"].pk
    assert search_product_ids(store.pk, "sheos")[0] == shoe_store["running"].pk
    assert search_product_ids(store.pk, "cotton sokcs")[0] == shoe_store["socks"].pk


@pytest.mark.postgres
def test_stemming_matches_run_and_running_on_postgres(shoe_store, store):
    found = search_product_ids(store.pk, "run")

    assert shoe_store["running"].pk in found


@pytest.mark.postgres
def test_a_name_match_ranks_above_a_description_match_on_postgres(shoe_store, store):
    found = search_product_ids(store.pk, "running shoes")

    # The gym bag mentions running shoes only in its description.
    assert found.index(shoe_store["running"].pk) < found.index(shoe_store["bag"].pk)


@pytest.mark.postgres
def test_sneakers_finds_shoes_through_the_synonym_list_on_postgres(shoe_store, store):
    assert search_product_ids(store.pk, "sneakers")[0] == shoe_store["running"].pk


@pytest.mark.postgres
def test_unrelated_words_find_nothing_on_postgres(shoe_store, store):
    assert search_product_ids(store.pk, "laptop") == []


@pytest.mark.postgres
def test_the_search_indexes_exist_on_postgres(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'products_product'")
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() is not None
    assert {"product_search_document_idx", "product_name_trgm_idx"} <= names


def test_sqlite_matches_words_in_name_or_description_name_first(shoe_store, store, on_postgres):
    if on_postgres:
        pytest.skip("the simple match is the SQLite fallback")
    found = search_product_ids(store.pk, "running shoes")

    assert found == ids(shoe_store["running"], shoe_store["bag"])


@pytest.mark.postgres
def test_search_degrades_to_the_simple_match_when_an_extension_is_missing(shoe_store, store, caplog):
    from django.db import connection

    with connection.cursor() as cursor:
        # Rolled back with the test's transaction.
        cursor.execute("DROP EXTENSION fuzzystrmatch")

    found = search_product_ids(store.pk, "running shoes")

    assert found == ids(shoe_store["running"], shoe_store["bag"])
    assert "using the simple match" in caplog.text


@pytest.mark.postgres
def test_the_typo_threshold_does_not_leak_into_the_callers_session(shoe_store, store):
    from django.db import connection

    search_product_ids(store.pk, "sheos")

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('pg_trgm.word_similarity_threshold')")
        assert cursor.fetchone()[0] == "0.6"


@pytest.mark.postgres
def test_the_search_document_follows_raw_sql_updates(shoe_store, store):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE products_product SET name = 'Woollen Shawl' WHERE id = %s", [shoe_store["socks"].pk]
        )

    assert search_product_ids(store.pk, "shawl") == ids(shoe_store["socks"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_in_autocommit_the_search_runs_in_its_own_short_transaction(shoe_store, store):
    from django.db import connection

    assert not connection.in_atomic_block
    assert search_product_ids(store.pk, "sheos")[0] == shoe_store["running"].pk

    assert not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('pg_trgm.word_similarity_threshold')")
        assert cursor.fetchone()[0] == "0.6"


@pytest.fixture
def nike_store(store, make_product):
    return {
        "nike": make_product(store, name="Nike Running Shoe", description="Air cushioned"),
        "bata": make_product(store, name="Bata Canvas Shoe", description="Everyday school shoe"),
        "puma": make_product(store, name="Puma Shoe", description="Not a Nike, lighter"),
        "rice": make_product(store, name="Basmati Rice 5 kg", description="Aged long grain"),
        "brown": make_product(store, name="Brown Rice 1 kg", description="Basmati style, unpolished"),
    }


def test_a_minus_leaves_a_word_out_as_in_web_search(nike_store, store):
    found = search_product_ids(store.pk, "shoe -nike")
    assert nike_store["nike"].pk not in found
    # The minus reaches the description too: "Not a Nike" is left out as well.
    assert nike_store["puma"].pk not in found
    assert nike_store["bata"].pk in found


def test_a_quoted_phrase_wants_its_words_together(nike_store, store):
    assert search_product_ids(store.pk, '"basmati rice"') == [nike_store["rice"].pk]
    assert set(search_product_ids(store.pk, "basmati rice")) >= {
        nike_store["rice"].pk,
        nike_store["brown"].pk,
    }


def test_only_left_out_words_find_nothing(nike_store, store):
    assert search_product_ids(store.pk, "-nike") == []
    assert search_product_ids(store.pk, '-"running shoe"') == []


@pytest.mark.postgres
def test_a_left_out_stop_word_constrains_nothing_on_postgres(nike_store, store):
    assert nike_store["bata"].pk in search_product_ids(store.pk, "shoe -the")


@pytest.mark.postgres
def test_typo_matches_still_respect_the_minus_on_postgres(nike_store, store):
    # "sheo" finds shoes by trigrams, not by full text; the minus still holds for them.
    found = search_product_ids(store.pk, "sheo -nike")
    assert found and nike_store["nike"].pk not in found
