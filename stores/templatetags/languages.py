"""Template helpers for the interface language (see stores/languages.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from stores.languages import LANGUAGE_CODES, with_lang

register = template.Library()


@register.simple_tag
def html_lang() -> str:
    """The page's `<html lang>`: the language being spoken ("en-in" is written plain "en")."""
    code = (translation.get_language() or "en").split("-")[0]
    return code if code in LANGUAGE_CODES else "en"


@register.simple_tag(takes_context=True)
def lang_url(context: template.Context, url: str) -> str:
    """`url` keeping the visit's `?lang=` (the context's `link_lang`), if it gave one."""
    lang: Any = context.get("link_lang")
    return with_lang(url, lang if lang in LANGUAGE_CODES else None)
