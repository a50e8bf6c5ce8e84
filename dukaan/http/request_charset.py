"""Request text is UTF-8: a request naming another charset is a 400 before anything reads it.

Django decodes the query string and multipart form fields with the charset the Content-Type names
(`multipart/form-data; charset=utf-7`), and so do DRF's JSON and form parsers (Django itself only
refuses a non-UTF-8 urlencoded body, and only where it parses one). Some codecs
(utf-7, unicode_escape, ...) decode to lone surrogates, which are not text: they fail wherever
they must be encoded again (PostgreSQL, a rendered page, a log line) with a 500. Decoded as UTF-8,
invalid bytes become U+FFFD instead, so refusing the other charsets closes that door for every
form and API view at once. Lone surrogates written as JSON escapes are refused by the JSON parser
(dukaan/http/parsers.py).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

# Codec names as codecs.lookup() spells them. None of these can decode to a surrogate.
ALLOWED_CHARSETS = frozenset({"utf-8", "ascii", "iso8859-1"})
MESSAGE = "Send text as UTF-8: the charset in the Content-Type header is not supported."


def charset_is_allowed(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name in ALLOWED_CHARSETS
    except LookupError:
        return False


class RequestCharsetMiddleware:
    """Answer 400 to a request whose Content-Type names a charset other than UTF-8 (or ASCII,
    Latin-1). Goes before any middleware that reads request.POST (CSRF) or the query string."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = (request.content_params or {}).get("charset")
        if charset is not None and not charset_is_allowed(charset):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
