"""How a seller's session was opened, recorded by Django as the session's auth backend."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

OTP_BACKEND = "stores.backends.OtpSignInBackend"


class OtpSignInBackend(ModelBackend):
    """Names sessions opened with a one-time SMS code (stores.dashboard_views.login_verify).

    It authenticates nothing itself (the code is checked by stores.services.otp_verify); it
    only loads the user of such a session, so the admin can tell them from password sign-ins.
    """

    def authenticate(self, request, **credentials):
        return None
