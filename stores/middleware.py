"""The seller dashboard speaks the seller's own language choice (User.language, set in settings)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from stores.languages import LANGUAGE_CODES

DASHBOARD_PREFIX = "/dashboard/"


class DashboardLanguageMiddleware:
    """Activates the signed-in seller's language for /dashboard/ pages, and only for them.

    Not Django's LocaleMiddleware: shopper pages must not follow a cookie or the session (their
    answers are shared and cached), and a seller's choice lives on their account, not a browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if not request.path.startswith(DASHBOARD_PREFIX) or not (user and user.is_authenticated):
            return self.get_response(request)
        language = getattr(user, "language", None)
        if language not in LANGUAGE_CODES:
            return self.get_response(request)
        # override() restores the worker's language afterwards, whatever the view activated.
        with translation.override(language):
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
            return response
