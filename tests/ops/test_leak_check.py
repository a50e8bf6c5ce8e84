"""The leak check's matching: word sequences anywhere in a text, and which source values count."""

from __future__ import annotations

from ops.leak_check import MIN_CHARS, WordMatcher, words


def _matcher(*needles: str) -> WordMatcher:
    matcher = WordMatcher()
    for needle in needles:
        matcher.add(words(needle), "orders_order.customer_name")
    return matcher


def test_a_value_is_found_inside_longer_text_and_json_whatever_the_case_and_punctuation():
    matcher = _matcher("Lakshmi Venkataraman", "+919845077777")
    assert list(matcher.find('{"customer": "LAKSHMI  venkataraman", "x": 1}'))
    assert list(matcher.find("call +919845077777 first"))
    assert not list(matcher.find("Lakshmi Iyer, Venkataraman Street"))  # both words, not in sequence
    assert not list(matcher.find("919845077"))  # a shorter number is not the phone


def test_discarded_values_are_not_looked_for():
    matcher = _matcher("Mango Pickle", "Farhan Qureshi")
    matcher.discard(words("Mango Pickle"))  # the storefront publishes it anyway
    assert len(matcher) == 1
    assert not list(matcher.find("Mango Pickle 500g"))
    assert list(matcher.find("deliver to farhan qureshi"))


def test_words_ignore_punctuation_so_min_chars_counts_letters_and_digits():
    assert words("12, 4th Cross!") == ("12", "4th", "cross")
    assert sum(len(w) for w in words("a-b")) < MIN_CHARS
