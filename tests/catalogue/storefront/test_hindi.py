"""Shopper pages in the store's language (SPEC section 7, "Languages"): Hindi as well as English."""

from __future__ import annotations

import re

import pytest

from catalogue import page_cache, views
from stores.models import Store

HINDI_ADD_TO_CART = "कार्ट में डालें"
PRODUCT_NAME = "Masala Chai (Assam)"


@pytest.fixture
def hindi_store(store: Store) -> Store:
    store.language = "hi"
    store.save()
    return store


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_hindi_store_speaks_hindi_and_keeps_the_sellers_own_words(client, hindi_store, make_product):
    product = make_product(hindi_store, name=PRODUCT_NAME)
    store_page = _html(client.get(f"/{hindi_store.slug}/"))
    assert '<html lang="hi">' in store_page
    assert HINDI_ADD_TO_CART in store_page
    assert "Add to cart" not in store_page
    assert PRODUCT_NAME in store_page and "Asha&#x27;s Kitchen" in store_page

    product_page = _html(client.get(f"/{hindi_store.slug}/p/{product.id}/"))
    assert '<html lang="hi">' in product_page
    assert HINDI_ADD_TO_CART in product_page
    assert "मात्रा" in product_page  # "Quantity"
    assert f"<h1>{PRODUCT_NAME}</h1>" in product_page


def test_an_english_store_stays_english(client, store, make_product):
    make_product(store, name=PRODUCT_NAME)
    page = _html(client.get(f"/{store.slug}/"))
    assert '<html lang="en">' in page
    assert "Add to cart" in page and HINDI_ADD_TO_CART not in page


def test_lang_in_the_url_overrides_the_store_and_its_links_keep_it(client, hindi_store, make_product):
    product = make_product(hindi_store, name=PRODUCT_NAME)
    page = _html(client.get(f"/{hindi_store.slug}/?lang=en"))
    assert '<html lang="en">' in page
    assert "Add to cart" in page and HINDI_ADD_TO_CART not in page
    assert f'href="/{hindi_store.slug}/p/{product.id}/?lang=en"' in page
    assert f'href="/{hindi_store.slug}/cart/?lang=en"' in page
    assert f'action="/{hindi_store.slug}/cart/add/?lang=en"' in page
    assert '<input type="hidden" name="lang" value="en">' in page  # the search and sort forms

    product_page = _html(client.get(f"/{hindi_store.slug}/p/{product.id}/?lang=en"))
    assert '<html lang="en">' in product_page and "Add to cart" in product_page
    assert f'href="/{hindi_store.slug}/?lang=en"' in product_page


def test_an_english_store_can_be_shown_in_hindi_and_a_bad_lang_is_ignored(client, store, make_product):
    make_product(store, name=PRODUCT_NAME)
    page = _html(client.get(f"/{store.slug}/?lang=hi"))
    assert '<html lang="hi">' in page and HINDI_ADD_TO_CART in page

    ignored = _html(client.get(f"/{store.slug}/?lang=fr"))
    assert '<html lang="en">' in ignored and "Add to cart" in ignored
    assert "lang=fr" not in ignored


def test_without_lang_the_links_carry_none(client, hindi_store, make_product):
    make_product(hindi_store, name=PRODUCT_NAME)
    page = _html(client.get(f"/{hindi_store.slug}/"))
    assert "lang=" not in re.sub(r"<html lang=\"hi\">", "", page)


def test_pagination_and_category_links_keep_lang(client, hindi_store, fill_store):
    fill_store(hindi_store, views.PRODUCTS_PER_PAGE + 1)
    page = _html(client.get(f"/{hindi_store.slug}/?lang=en"))
    assert 'href="?page=2&amp;lang=en"' in page or 'href="?lang=en&amp;page=2"' in page
    assert re.search(r'href="\?[^"]*category=\d+[^"]*lang=en|href="\?lang=en[^"]*category=\d+', page)


def test_the_page_cache_keeps_each_language_apart(client, settings, hindi_store, make_product, monkeypatch):
    settings.CATALOGUE_CACHE_VALIDATE_HITS = False
    make_product(hindi_store, name=PRODUCT_NAME)
    renders: list[str] = []
    real_render = views._render_store

    def counting_render(request, *args, **kwargs):
        renders.append(request.GET.get("lang", ""))
        return real_render(request, *args, **kwargs)

    monkeypatch.setattr(views, "_render_store", counting_render)
    url = f"/{hindi_store.slug}/"
    for _round in range(2):
        hindi = _html(client.get(url))
        english = _html(client.get(f"{url}?lang=en"))
        assert '<html lang="hi">' in hindi and HINDI_ADD_TO_CART in hindi
        assert '<html lang="en">' in english and "Add to cart" in english
        assert HINDI_ADD_TO_CART not in english
    # Each language rendered once, then served from its own stored copy.
    assert renders == ["", "en"]
    variant = "store|sort=|category=None|q=|page=1|lang="
    assert page_cache.lookup(hindi_store.slug, variant).answer is not None
    assert page_cache.lookup(hindi_store.slug, f"{variant}en").answer is not None


def test_changing_the_store_language_changes_the_cached_page(client, settings, store, make_product):
    settings.CATALOGUE_CACHE_VALIDATE_HITS = True  # see the change at once, without the invalidator
    make_product(store, name=PRODUCT_NAME)
    assert "Add to cart" in _html(client.get(f"/{store.slug}/"))
    store.language = "hi"
    store.save()
    page = _html(client.get(f"/{store.slug}/"))
    assert HINDI_ADD_TO_CART in page and '<html lang="hi">' in page


def test_etags_differ_by_language(client, hindi_store, make_product):
    make_product(hindi_store, name=PRODUCT_NAME)
    hindi = client.get(f"/{hindi_store.slug}/")
    english = client.get(f"/{hindi_store.slug}/?lang=en")
    assert hindi["ETag"] != english["ETag"]
    # The Hindi copy's ETag does not make the English URL a 304.
    again = client.get(f"/{hindi_store.slug}/?lang=en", HTTP_IF_NONE_MATCH=hindi["ETag"])
    assert again.status_code == 200 and "Add to cart" in again.content.decode()
