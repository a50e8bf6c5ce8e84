"""Request parsers for the JSON API: malformed bodies are a 400 with a message, never a 500."""

from __future__ import annotations

import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# A decoded string holds a surrogate code point only if it was lone: json pairs "\ud83d\ude00"
# into one character (😀). A lone one is not text: it cannot be encoded as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")

LONE_SURROGATE_MESSAGE = (
    "JSON parse error - the body has a lone surrogate escape (\\ud800 to \\udfff), which is not text."
)


def has_lone_surrogate(data: object) -> bool:
    """Whether any string in parsed JSON (object keys included) holds a lone surrogate.

    Iterative, so a body nested as deeply as the decoder allows cannot exhaust the stack here.
    """
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that

    - a body nested too deeply for Python's decoder (e.g. 100,000 `[`) is a 400 instead of an
      uncaught RecursionError;
    - a lone surrogate (`"a\\ud800b"`, valid JSON but not valid Unicode) is a 400 here, before any
      view sees it: otherwise it reaches code that must encode it (PostgreSQL, the browsable API
      echoing the body back as HTML, a log line) and fails there with a UnicodeEncodeError, a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        if has_lone_surrogate(data):
            raise ParseError(LONE_SURROGATE_MESSAGE)
        return data
