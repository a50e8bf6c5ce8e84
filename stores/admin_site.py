"""The admin site: staff only, and only with a session opened by the admin password.

A one-time SMS code signs a seller in to the dashboard; for a staff account it must not also
open the admin, or whoever receives the admin's SMS (a swapped SIM) would not need the password.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.sites import AdminSite
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from dukaan.http.client_ip import client_rate_limit_address
from dukaan.rate_limit import Limit, rate_limit_hit, rate_limit_wait

# The admin's password sign-in. Not imported: this module loads with the app registry, before models.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _account_key(username: object) -> str:
    """The account a sign-in attempt is for, however its phone is spelled; hashed, as it may be junk."""
    from stores.phone import normalize_phone  # imports models' settings: not at app-registry load

    text = username if isinstance(username, str) else ""
    try:
        text = normalize_phone(text)
    except ValidationError:
        text = text.strip().lower()
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32] if text else ""


class DukaanAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Fail closed: a session opened any other way (an SMS code) is not enough.
        return super().has_permission(request) and request.session.get(BACKEND_SESSION_KEY) == MODEL_BACKEND

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The admin sign-in, with failed passwords limited per account and per client network.

        Once an account or network is over its limit, no password is checked at all, the right one
        included, until the window ends: a guesser learns nothing from trying on
        (settings DUKAAN_ADMIN_LOGIN_FAILURES_PER_ACCOUNT / _PER_IP in DUKAAN_ADMIN_LOGIN_WINDOW_SECONDS).
        """
        if request.method != "POST":
            return super().login(request, extra_context)
        window = settings.DUKAAN_ADMIN_LOGIN_WINDOW_SECONDS
        counters = [
            (
                "admin-login-account",
                _account_key(request.POST.get("username")),
                settings.DUKAAN_ADMIN_LOGIN_FAILURES_PER_ACCOUNT,
            ),
            (
                "admin-login-ip",
                client_rate_limit_address(request) or "",
                settings.DUKAAN_ADMIN_LOGIN_FAILURES_PER_IP,
            ),
        ]
        for scope, key, count in counters:
            wait = rate_limit_wait(scope, key, Limit(count, window))
            if wait is not None:
                return self._locked_out(request, wait, extra_context)
        response = super().login(request, extra_context)
        # A failed sign-in answers the form again (200); a successful one redirects.
        if response.status_code == 200:
            for scope, key, count in counters:
                rate_limit_hit(scope, key, Limit(count, window))
        return response

    def _locked_out(self, request: HttpRequest, wait: int, extra_context: dict | None) -> HttpResponse:
        minutes = max(1, round(wait / 60))
        plural = "s" if minutes != 1 else ""
        context = {
            **self.each_context(request),
            "title": "Log in",
            "app_path": request.get_full_path(),
            "username": "",
            "lockout_message": f"Too many failed sign-ins. Try again in {minutes} minute{plural}.",
            **(extra_context or {}),
        }
        response = TemplateResponse(request, "admin/login_locked.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response


class DukaanAdminConfig(AdminConfig):
    """Installed in place of "django.contrib.admin" (settings.INSTALLED_APPS)."""

    default_site = "stores.admin_site.DukaanAdminSite"
