"""The admin site: staff only, and only with a session opened by the admin password.

A one-time SMS code signs a seller in to the dashboard; for a staff account it must not also
open the admin, or whoever receives the admin's SMS (a swapped SIM) would not need the password.
"""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.sites import AdminSite
from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest

# The admin's password sign-in. Not imported: this module loads with the app registry, before models.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class DukaanAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Fail closed: a session opened any other way (an SMS code) is not enough.
        return super().has_permission(request) and request.session.get(BACKEND_SESSION_KEY) == MODEL_BACKEND


class DukaanAdminConfig(AdminConfig):
    """Installed in place of "django.contrib.admin" (settings.INSTALLED_APPS)."""

    default_site = "stores.admin_site.DukaanAdminSite"
