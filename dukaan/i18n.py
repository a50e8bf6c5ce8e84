"""Translation helpers beyond Django's own (SPEC section 7, "Languages")."""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy


def _interpolate(message: Any, values: dict[str, Any]) -> str:
    return str(message) % values


# `gettext_lazy("Keep it to %(max)d characters.") % {...}` would translate at once (at import, for
# a form's class body); this keeps both the message and its values lazy until the text is shown,
# so it is said in the language active then.
interpolate_lazy = lazy(_interpolate, str)
