"""Which interface language a page speaks (SPEC section 7, "Languages").

Shopper pages speak their store's `language`; `?lang=en|hi` overrides it for that visit, and the
page's links carry the override on. Neither a cookie nor the session picks the language: the
storefront's answers are shared by every shopper (and cached on the URL), so the URL alone must
decide it. The dashboard speaks the seller's own choice (stores.middleware). The sign-in pages come
before there is a seller: they speak the visit's `?lang=`, else the browser's language (a phone set
to Hindi asks for hi-IN), else English.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_noop
from django.utils.translation.trans_real import parse_accept_lang_header

from stores.models import Language

LANGUAGE_CODES = frozenset(Language.values)
LANG_PARAM = "lang"

# Django's own Hindi catalogue spells these months without their nasal (सितमबर, not सितंबर). Our
# catalogue comes first (LOCALE_PATHS), so marking Django's msgids (django/utils/dates.py) here
# puts the right spelling in our locale/hi and on every date our pages show.
DATE_WORDS = (gettext_noop("September"), gettext_noop("November"), gettext_noop("December"))


def requested_language(request: HttpRequest) -> str | None:
    """The `?lang=` of this visit when it names a language we speak, else None (ignored).

    Always from the URL, also for a POST: the shop's forms post to an address that carries it.
    """
    lang = request.GET.get(LANG_PARAM)
    return lang if lang in LANGUAGE_CODES else None


def shopper_language(request: HttpRequest, store_language: str | None) -> str:
    """The language of a shopper page: the visit's `?lang=`, else the store's, else English."""
    lang = requested_language(request)
    if lang:
        return lang
    return store_language if store_language in LANGUAGE_CODES else Language.EN


def shop_language(request: HttpRequest, store_language: str | None) -> AbstractContextManager[None]:
    """Speak the shopper page's language while the view renders (and writes its messages)."""
    return translation.override(shopper_language(request, store_language))


def with_lang(url: str, lang: str | None) -> str:
    """`url` carrying `?lang=` on (when the visit gave one), so the next page speaks the same."""
    if not lang:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({LANG_PARAM: lang})}"


def speaks_shop_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a shopper view that calls activate_shop_language() once it knows its store.

    Whatever the view activates is undone when it returns: a worker's next request (perhaps
    another store's, or the dashboard) starts from the default language again.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override(translation.get_language()):
            return view(request, *args, **kwargs)

    return wrapped


def activate_shop_language(request: HttpRequest, store_language: str | None) -> str:
    """Speak the shopper page's language from here to the end of the (decorated) view."""
    lang = shopper_language(request, store_language)
    translation.activate(lang)
    return lang


def browser_language(request: HttpRequest) -> str | None:
    """The language of the browser's Accept-Language we speak first ("hi-IN" is Hindi), else None.

    Only the header: not Django's language cookie nor the session (nothing of ours sets them).
    A wildcard before any language we speak means English will do.
    """
    for code, quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            return None
        base = code.split("-")[0]
        if quality > 0 and base in LANGUAGE_CODES:
            return base
    return None


def sign_in_language(request: HttpRequest) -> str:
    """The language of a sign-in page (no seller yet): `?lang=`, else the browser's, else English."""
    return requested_language(request) or browser_language(request) or Language.EN


def speaks_sign_in_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render a sign-in view (its page and the messages it writes) in sign_in_language().

    The answer says which language it speaks, and that it depends on Accept-Language.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = sign_in_language(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response

    return wrapped


def link_lang(request: HttpRequest) -> dict[str, str | None]:
    """Context processor: the visit's `?lang=`, for links and forms to carry on ({% lang_url %})."""
    return {"link_lang": requested_language(request)}
