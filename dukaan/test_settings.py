"""Settings for the test suite (pytest-django loads this module; see pyproject.toml).

The suite runs production-shaped (DEBUG off, as pytest-django forces anyway) on the settings in
dukaan/settings.py, but brings its own secrets and hosts. They are put into the environment only
while the base settings are read, so a server a test starts in a subprocess gets exactly the
environment that test builds for it.
"""

from __future__ import annotations

import os

_SUITE_ENVIRONMENT = {
    "DJANGO_SECRET_KEY": "test-suite-secret-key-never-used-outside-tests-0123456789",
    "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1,[::1],testserver",
    # The same secret the development servers that tests start use, so both sign webhooks alike.
    "DUKAAN_PAYMENT_WEBHOOK_SECRET": "dev-webhook-secret",
}
_added = {name: value for name, value in _SUITE_ENVIRONMENT.items() if not os.environ.get(name)}
os.environ.update(_added)
try:
    from dukaan.settings import *  # noqa: F403
    from dukaan.settings import AWS_STORAGE_BUCKET_NAME, STATIC_ON_S3, STORAGES, env_bool, env_int
finally:
    for _name in _added:
        del os.environ[_name]

# Login codes go to the log the tests read; the fake gateway drives the payment tests.
DUKAAN_SMS_BACKEND = os.environ.get("DUKAAN_SMS_BACKEND", "stores.sms.ConsoleSmsBackend")
DUKAAN_ALLOW_CONSOLE_SMS = True
DUKAAN_FAKE_GATEWAY_ENABLED = env_bool("DUKAAN_FAKE_GATEWAY_ENABLED", True)
# Notifications: the suite's own processes hand them to an in-memory broker nobody reads (tests of
# notifications start a real worker with a Redis broker in a subprocess, or call the services).
DUKAAN_BROKER_URL = os.environ.get("DUKAAN_BROKER_URL", "memory://")
CELERY_BROKER_URL = DUKAAN_BROKER_URL
DUKAAN_NOTIFY_DELIVERY = os.environ.get("DUKAAN_NOTIFY_DELIVERY", "worker")
DUKAAN_NOTIFY_BACKEND = os.environ.get("DUKAAN_NOTIFY_BACKEND", "console")
# No invalidator process runs beside the suite: every cache hit is checked against the change log.
CATALOGUE_CACHE_VALIDATE_HITS = env_bool("DUKAAN_CATALOGUE_CACHE_VALIDATE_HITS", True)
# Order and admin sign-in limits are off for the suite, which places many orders and signs in many
# times from one address; tests/checkout/test_order_limits.py and
# tests/stores/sign_in/test_admin_login_limits.py switch them on.
DUKAAN_ADMIN_LOGIN_FAILURES_PER_ACCOUNT = env_int("DUKAAN_ADMIN_LOGIN_FAILURES_PER_ACCOUNT", 0)
DUKAAN_ADMIN_LOGIN_FAILURES_PER_IP = env_int("DUKAAN_ADMIN_LOGIN_FAILURES_PER_IP", 0)
DUKAAN_ORDER_LIMIT_PER_IP = env_int("DUKAAN_ORDER_LIMIT_PER_IP", 0)
DUKAAN_ORDER_LIMIT_PER_PHONE = env_int("DUKAAN_ORDER_LIMIT_PER_PHONE", 0)
DUKAAN_ORDER_LIMIT_PER_STORE = env_int("DUKAAN_ORDER_LIMIT_PER_STORE", 0)
# The test client speaks plain HTTP and there is no collectstatic manifest.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
if not (STATIC_ON_S3 and AWS_STORAGE_BUCKET_NAME):
    STORAGES = {
        **STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
