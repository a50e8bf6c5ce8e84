"""Dukaan settings: every knob is read from the environment here, and only here.

With nothing set (and DJANGO_DEBUG=1) the app runs on embedded defaults: SQLite, an
in-process cache and media on the local disk. Setting DATABASE_URL, REDIS_URL or
AWS_STORAGE_BUCKET_NAME switches each part to the real service. The test suite runs on
dukaan/test_settings.py, which supplies its own secrets and hosts to these.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DUKAAN_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    return float(raw) if raw.strip() else default


DEBUG = env_bool("DJANGO_DEBUG", False)
# production | staging | development: staging tools refuse to touch "production".
DUKAAN_ENVIRONMENT = os.environ.get("DUKAAN_ENVIRONMENT", "development").strip().lower()

# --- Secrets: a development key is generated only in DEBUG; production refuses to start.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        # Kept in the data folder so sessions survive a restart of the development server.
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        _dev_key_file = DATA_DIR / "dev-secret-key"
        if not _dev_key_file.exists():
            _dev_key_file.write_text("dev-insecure-" + secrets.token_urlsafe(40))
        SECRET_KEY = _dev_key_file.read_text().strip()
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (set DJANGO_DEBUG=1 for development)."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if DEBUG:
        ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
    else:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The base of store links shared on WhatsApp, e.g. https://mydukaan.io -> https://mydukaan.io/<slug>/
DUKAAN_PUBLIC_URL = os.environ.get("DUKAAN_PUBLIC_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "stores.admin_site.DukaanAdminConfig",  # django.contrib.admin, password sessions only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "csp",  # django-csp: the Content-Security-Policy header (dukaan/http/csp.py)
    # The project's infrastructure, then the domain apps in the one direction their imports run:
    # each may import those above it, never those below (docs/architecture.md).
    "dukaan",
    "stores",
    "products",
    "catalogue",
    "coupons",
    "orders",
    "payments",
    "checkout",
    "notifications",  # reads orders and payments; orders reach it only through the outbox
    "ops",
]

MIDDLEWARE = [
    "dukaan.http.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dukaan.http.csp.ContentSecurityPolicyMiddleware",
    # Before anything reads request.POST or the query string (CSRF, the views).
    "dukaan.http.request_charset.RequestCharsetMiddleware",
    # An anonymous visitor's stored storefront answer, without the middleware below it has no use
    # for (catalogue/fast_path.py; it switches itself off if the list below it changes).
    "catalogue.fast_path.StorefrontFastPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The dashboard in the seller's chosen language (shopper pages pick theirs in the views).
    "stores.middleware.DashboardLanguageMiddleware",
    "dukaan.db.read_your_writes.ReadYourWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dukaan.urls"
WSGI_APPLICATION = "dukaan.wsgi.application"
ASGI_APPLICATION = "dukaan.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stores.languages.link_lang",
            ],
        },
    },
]

# --- Databases: DATABASE_URL is the primary; DATABASE_REPLICA_URLS adds read replicas.
CONN_MAX_AGE = env_int("DJANGO_CONN_MAX_AGE", 60)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "dukaan.sqlite3",
            # Concurrent writers wait instead of failing with "database is locked".
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
REPLICA_ALIASES: list[str] = []
for index, url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    alias = f"replica{index}"
    DATABASES[alias] = dj_database_url.parse(url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    # The plain test suite has no replication: replicas mirror the primary there.
    DATABASES[alias]["TEST"] = {"MIRROR": "default"}
    # A replica on a dead host must fail fast (the router then reads from the primary), not hang
    # a request for the OS connect timeout; `?connect_timeout=N` in the URL overrides this.
    if DATABASES[alias]["ENGINE"].endswith("postgresql"):
        DATABASES[alias].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    REPLICA_ALIASES.append(alias)
# Behind PgBouncer in transaction pooling mode (compose profile "pgbouncer"), a server-side
# cursor would outlive its transaction's server connection.
if env_bool("DUKAAN_DB_DISABLE_SERVER_SIDE_CURSORS", False):
    for _alias in DATABASES:
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASE_ROUTERS = ["dukaan.db.router.PrimaryReplicaRouter"]
DUKAAN_READ_YOUR_WRITES_SECONDS = env_int("DUKAAN_READ_YOUR_WRITES_SECONDS", 60)
DUKAAN_REPLICA_MAX_LAG_SECONDS = env_float("DUKAAN_REPLICA_MAX_LAG_SECONDS", 5.0)
# How long a replica that failed (down or lagging) stays out of rotation before a re-check.
DUKAAN_REPLICA_RECHECK_SECONDS = env_float("DUKAAN_REPLICA_RECHECK_SECONDS", 5.0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "stores.User"
# The admin password (ModelBackend) first; sessions opened by an SMS code are marked by the second.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "stores.backends.OtpSignInBackend"]
LOGIN_URL = "/dashboard/login/"
LOGIN_REDIRECT_URL = "/dashboard/"

# --- Cache: Redis when REDIS_URL is set, in-process memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("DUKAAN_CACHE_PREFIX", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                # A Redis outage degrades to "always miss": pages render from the database.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "dukaan",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
CATALOGUE_CACHE_SECONDS = env_int("DUKAAN_CATALOGUE_CACHE_SECONDS", 3600)
# Cache invalidation (catalogue/cache.py, catalogue/invalidator.py). Without Redis + the
# run_cache_invalidator process (local memory, the test suite) each hit is checked against the
# trigger-written change log with one indexed query; with them a hit runs no SQL.
CATALOGUE_CACHE_VALIDATE_HITS = env_bool("DUKAAN_CATALOGUE_CACHE_VALIDATE_HITS", not REDIS_URL)
# A build slower than this is served but not cached; the invalidator deletes a second time this long
# after the replicas have a change, so no slow build that read old data can outlive it in the cache.
CATALOGUE_BUILD_MAX_SECONDS = env_float("DUKAAN_CATALOGUE_BUILD_MAX_SECONDS", 5.0)
DUKAAN_INVALIDATOR_POLL_SECONDS = env_float("DUKAAN_INVALIDATOR_POLL_SECONDS", 0.5)
# A change of stock alone (an order) refreshes a store's cached catalogue at most this often, so a
# flash sale does not rebuild it once per order; a sold-out product shows within about this long.
DUKAAN_STOCK_REFRESH_SECONDS = env_float("DUKAAN_STOCK_REFRESH_SECONDS", 1.0)
# Finished storefront answers kept per catalogue version (catalogue/page_cache.py).
DUKAAN_PAGE_CACHE_SECONDS = env_int("DUKAAN_PAGE_CACHE_SECONDS", 300)
# Stored answers for anonymous visitors served before most of the middleware (catalogue/fast_path.py):
# the same bytes and headers as the full stack, at a fraction of its cost. 0 sends every request the
# full way.
DUKAAN_STOREFRONT_EARLY_PATH = env_bool("DUKAAN_STOREFRONT_EARLY_PATH", True)
# Shared caches (nginx's micro-cache, a CDN) keep public storefront answers this long, serve them
# stale this long while refreshing, and this long while the app servers fail.
DUKAAN_EDGE_CACHE_SECONDS = env_int("DUKAAN_EDGE_CACHE_SECONDS", 1)
DUKAAN_EDGE_STALE_SECONDS = env_int("DUKAAN_EDGE_STALE_SECONDS", 30)
DUKAAN_EDGE_STALE_IF_ERROR_SECONDS = env_int("DUKAAN_EDGE_STALE_IF_ERROR_SECONDS", 86400)
# The deployed release (an image tag or commit); part of every ETag, so a deploy changes them all.
DUKAAN_RELEASE = os.environ.get("DUKAAN_RELEASE", "dev")
DUKAAN_CHANGE_LOG_RETENTION_HOURS = env_float("DUKAAN_CHANGE_LOG_RETENTION_HOURS", 24.0)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30  # a seller stays signed in on their phone for a month

AUTH_PASSWORD_VALIDATORS: list[dict] = []  # sellers have no passwords; admins are created by operators

LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
# The interface's languages; the catalogues live in the repository (locale/, see SPEC section 7).
LANGUAGES = [("en", "English"), ("hi", "हिन्दी")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Static and media files.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", DATA_DIR / "media"))

AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
DUKAAN_CDN_DOMAIN = os.environ.get("DUKAAN_CDN_DOMAIN", "")
STATIC_ON_S3 = env_bool("DUKAAN_STATIC_ON_S3", False)

if AWS_STORAGE_BUCKET_NAME:
    MEDIA_STORAGE = {
        "BACKEND": "dukaan.storage.MediaS3Storage",
        "OPTIONS": {},
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
if STATIC_ON_S3 and AWS_STORAGE_BUCKET_NAME:
    # Hashed static files in the bucket under static/, served by the CDN (dukaan/storage.py).
    STORAGES["staticfiles"] = {"BACKEND": "dukaan.storage.StaticS3Storage"}

# --- Uploads: a product photo from a phone is a few MB; refuse anything absurd early.
DUKAAN_MAX_UPLOAD_BYTES = env_int("DUKAAN_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Pixels, not bytes, decide the memory a decode takes (4 bytes a pixel: a 38 KB PNG can claim
# 40 MP = 160 MB). Phones save 12 MP photos (binned from their 48-200 MP sensors); 24 MP also takes
# a 6000x4000 camera photo, and bounds a decode to ~96 MB (dukaan/images.py, BENCHMARKS.md).
DUKAAN_MAX_IMAGE_PIXELS = env_int("DUKAAN_MAX_IMAGE_PIXELS", 24_000_000)
# A logo is kept at 512 px and its file under 2 MB: 12 MP still takes a phone photo of the shop sign.
DUKAAN_MAX_LOGO_PIXELS = env_int("DUKAAN_MAX_LOGO_PIXELS", 12_000_000)
# Full-size decodes at once per process (gthread workers serve several requests each); a request
# that cannot start one within the wait is told to retry rather than pile its memory on the others.
DUKAAN_MAX_CONCURRENT_IMAGE_DECODES = env_int("DUKAAN_MAX_CONCURRENT_IMAGE_DECODES", 2)
DUKAAN_IMAGE_DECODE_WAIT_SECONDS = env_int("DUKAAN_IMAGE_DECODE_WAIT_SECONDS", 5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- OTP and SMS.
DUKAAN_SMS_BACKEND = os.environ.get(
    "DUKAAN_SMS_BACKEND",
    "stores.sms.ConsoleSmsBackend" if DEBUG else "stores.sms.HttpSmsBackend",
)
# The console backend logs every login code: development (and the test suite) only.
DUKAAN_ALLOW_CONSOLE_SMS = DEBUG
DUKAAN_SMS_HTTP_URL = os.environ.get("DUKAAN_SMS_HTTP_URL", "")
DUKAAN_SMS_HTTP_TOKEN = os.environ.get("DUKAAN_SMS_HTTP_TOKEN", "")
DUKAAN_OTP_TTL_SECONDS = env_int("DUKAAN_OTP_TTL_SECONDS", 300)
DUKAAN_OTP_MAX_ATTEMPTS = env_int("DUKAAN_OTP_MAX_ATTEMPTS", 5)
DUKAAN_OTP_RESEND_COOLDOWN_SECONDS = env_int("DUKAAN_OTP_RESEND_COOLDOWN_SECONDS", 30)
DUKAAN_OTP_MAX_SENDS_PER_PHONE_PER_HOUR = env_int("DUKAAN_OTP_MAX_SENDS_PER_PHONE_PER_HOUR", 5)
DUKAAN_OTP_MAX_SENDS_PER_IP_PER_HOUR = env_int("DUKAAN_OTP_MAX_SENDS_PER_IP_PER_HOUR", 20)
PHONENUMBER_DEFAULT_REGION = "IN"

# --- Invoices: the Unicode font their PDFs are drawn with (Debian: fonts-dejavu-core).
DUKAAN_INVOICE_FONT_DIR = os.environ.get("DUKAAN_INVOICE_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
DUKAAN_INVOICE_DEVANAGARI_FONT = os.environ.get(
    "DUKAAN_INVOICE_DEVANAGARI_FONT", "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"
)

# --- Limits against abuse, counted in the shared cache (dukaan/rate_limit.py).
# Failed admin sign-ins per window, per account and per client network; past either, no password
# is checked (the right one neither) until the window ends. nginx limits the path as well.
DUKAAN_ADMIN_LOGIN_WINDOW_SECONDS = env_int("DUKAAN_ADMIN_LOGIN_WINDOW_SECONDS", 900)
DUKAAN_ADMIN_LOGIN_FAILURES_PER_ACCOUNT = env_int("DUKAAN_ADMIN_LOGIN_FAILURES_PER_ACCOUNT", 5)
DUKAAN_ADMIN_LOGIN_FAILURES_PER_IP = env_int("DUKAAN_ADMIN_LOGIN_FAILURES_PER_IP", 20)
# Orders per window (0: no limit) from one network (an IPv4 address, an IPv6 /64), for one phone
# and at one store. The network limit allows for carrier-grade NAT, where many phones share an
# address; the store limit is far above what a small shop takes in ten minutes.
DUKAAN_ORDER_LIMIT_WINDOW_SECONDS = env_int("DUKAAN_ORDER_LIMIT_WINDOW_SECONDS", 600)
DUKAAN_ORDER_LIMIT_PER_IP = env_int("DUKAAN_ORDER_LIMIT_PER_IP", 20)
DUKAAN_ORDER_LIMIT_PER_PHONE = env_int("DUKAAN_ORDER_LIMIT_PER_PHONE", 10)
DUKAAN_ORDER_LIMIT_PER_STORE = env_int("DUKAAN_ORDER_LIMIT_PER_STORE", 300)

# --- Payments.
# A fixed, publicly known secret in DEBUG so the fake gateway works out of the box; the payments
# app's system check warns about it on every start (payments/checks.py).
DEV_PAYMENT_WEBHOOK_SECRET = "dev-webhook-secret"  # noqa: S105 (known on purpose, DEBUG only)
DUKAAN_PAYMENT_WEBHOOK_SECRET = os.environ.get(
    "DUKAAN_PAYMENT_WEBHOOK_SECRET", DEV_PAYMENT_WEBHOOK_SECRET if DEBUG else ""
)
if not DUKAAN_PAYMENT_WEBHOOK_SECRET and not DEBUG:
    # Without it every webhook is refused (payments/signing.py): better a failed start than unpaid orders.
    raise ImproperlyConfigured("DUKAAN_PAYMENT_WEBHOOK_SECRET must be set when DJANGO_DEBUG is off.")
# How long an unpaid order holds its stock before cancel_unpaid_orders puts it back on sale
# (SPEC section 7): a gateway payment is over in minutes; a UPI transfer waits for the seller to
# see the credit and confirm it by hand.
DUKAAN_UNPAID_ORDER_MINUTES = env_int("DUKAAN_UNPAID_ORDER_MINUTES", 30)
DUKAAN_UNPAID_UPI_HOURS = env_int("DUKAAN_UNPAID_UPI_HOURS", 24)

# The built-in fake gateway marks any order paid with one click: on in DEBUG/tests, opt-in elsewhere.
DUKAAN_FAKE_GATEWAY_ENABLED = env_bool("DUKAAN_FAKE_GATEWAY_ENABLED", DEBUG)

# --- Notifications and background work (notifications/, SPEC section 7).
# The Celery broker: Redis. Empty (the embedded default) = no worker: notifications are delivered
# in-process after each commit. Losing a broker message loses nothing (the outbox is re-read).
DUKAAN_BROKER_URL = os.environ.get("DUKAAN_BROKER_URL", REDIS_URL)
# "worker": hand deliveries to Celery; "inline": deliver in the committing process (dev, no Redis).
DUKAAN_NOTIFY_DELIVERY = os.environ.get(
    "DUKAAN_NOTIFY_DELIVERY", "worker" if DUKAAN_BROKER_URL else "inline"
).strip()
# console (development: the log) or http (production: DUKAAN_NOTIFY_HTTP_URL, Bearer token).
DUKAAN_NOTIFY_BACKEND = os.environ.get("DUKAAN_NOTIFY_BACKEND", "console" if DEBUG else "http").strip()
DUKAAN_NOTIFY_HTTP_URL = os.environ.get("DUKAAN_NOTIFY_HTTP_URL", "")
DUKAAN_NOTIFY_HTTP_TOKEN = os.environ.get("DUKAAN_NOTIFY_HTTP_TOKEN", "")
DUKAAN_NOTIFY_HTTP_TIMEOUT_SECONDS = env_float("DUKAAN_NOTIFY_HTTP_TIMEOUT_SECONDS", 5.0)
# Tries per notification (5xx, 429, timeouts), the first retry's delay and the cap; jittered.
DUKAAN_NOTIFY_MAX_ATTEMPTS = env_int("DUKAAN_NOTIFY_MAX_ATTEMPTS", 8)
DUKAAN_NOTIFY_RETRY_SECONDS = env_float("DUKAAN_NOTIFY_RETRY_SECONDS", 10.0)
DUKAAN_NOTIFY_RETRY_MAX_SECONDS = env_float("DUKAAN_NOTIFY_RETRY_MAX_SECONDS", 900.0)
# How often the relay re-reads the outbox and re-sends what the broker may have lost, and how long
# a worker may hold a notification it is sending before another may take it (a killed worker).
DUKAAN_NOTIFY_SWEEP_SECONDS = env_float("DUKAAN_NOTIFY_SWEEP_SECONDS", 10.0)
DUKAAN_NOTIFY_LEASE_SECONDS = env_float("DUKAAN_NOTIFY_LEASE_SECONDS", 60.0)
# Handled outbox rows and delivered notifications are kept this long, then pruned.
DUKAAN_OUTBOX_RETENTION_DAYS = env_int("DUKAAN_OUTBOX_RETENTION_DAYS", 30)
DUKAAN_NOTIFY_RETENTION_DAYS = env_int("DUKAAN_NOTIFY_RETENTION_DAYS", 90)
# Scheduled jobs (Celery beat): how often each runs.
DUKAAN_UNPAID_SWEEP_SECONDS = env_float("DUKAAN_UNPAID_SWEEP_SECONDS", 60.0)
DUKAAN_PAYMENT_REPROCESS_SECONDS = env_float("DUKAAN_PAYMENT_REPROCESS_SECONDS", 300.0)
DUKAAN_PRUNE_SECONDS = env_float("DUKAAN_PRUNE_SECONDS", 3600.0)

# Celery reads the CELERY_* names below (dukaan/celery.py).
CELERY_BROKER_URL = DUKAAN_BROKER_URL or "memory://"
CELERY_TASK_IGNORE_RESULT = True
# A task's message is acknowledged after it ran, so a killed worker's tasks are redelivered; the
# outbox sweep re-sends anything else, so a dead broker message costs a delay, never a message.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("DUKAAN_BROKER_VISIBILITY_TIMEOUT_SECONDS", 3600),
    # A web request that publishes while Redis is down waits this long, not for the OS timeout.
    "socket_connect_timeout": 1.0,
    "socket_timeout": 2.0,
}
CELERY_TASK_DEFAULT_QUEUE = "dukaan"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {"task": "notifications.sweep", "schedule": DUKAAN_NOTIFY_SWEEP_SECONDS},
    "cancel-unpaid-orders": {
        "task": "notifications.cancel_unpaid_orders",
        "schedule": DUKAAN_UNPAID_SWEEP_SECONDS,
    },
    "reprocess-payment-events": {
        "task": "notifications.reprocess_payment_events",
        "schedule": DUKAAN_PAYMENT_REPROCESS_SECONDS,
    },
    "prune-outbox-and-change-log": {"task": "notifications.prune", "schedule": DUKAAN_PRUNE_SECONDS},
}

# --- Proxy: nginx sets X-Forwarded-Proto; only trust it when told we run behind the proxy.
if env_bool("DUKAAN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False
DUKAAN_TRUSTED_PROXY_IPS = env_list("DUKAAN_TRUSTED_PROXY_IPS", "127.0.0.1,::1")
# /readyz answers strangers only "ok"/"unavailable"; its checks (hosts, WAL positions, cache
# counters) go to these client addresses, or to a caller sending X-Readyz-Token.
DUKAAN_READYZ_DETAIL_IPS = env_list("DUKAAN_READYZ_DETAIL_IPS", "127.0.0.1,::1")
DUKAAN_READYZ_TOKEN = os.environ.get("DUKAAN_READYZ_TOKEN", "")
# Names this app server in an X-Served-By response header; empty: no header.
DUKAAN_SERVER_NAME = os.environ.get("DUKAAN_SERVER_NAME", "")

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Content-Security-Policy, in every mode (DEBUG too, so a new inline script breaks early).
# No template has inline script, event handler or style (tests/dukaan/http/test_content_security_policy.py
# checks), so no nonce: cached storefront pages are shared by every visitor. The media/static CDN
# or bucket and DUKAAN_PUBLIC_URL (the payment page a checkout redirects to) are added per
# request from the current settings (dukaan/http/csp.py).
_SELF, _NONE = "'self'", "'none'"
_CSP_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        # A hosted payment page of a real gateway that a form posts or redirects to goes here.
        "form-action": [_SELF, *env_list("DUKAAN_CSP_FORM_ACTION_ORIGINS")],
        "frame-ancestors": [_NONE],
        "base-uri": [_SELF],
        "object-src": [_NONE],
        "report-uri": env_list("DUKAAN_CSP_REPORT_URI") or None,
    }
}
# Report-only: browsers report (console, report-uri) what the policy would block, and block nothing.
DUKAAN_CSP_REPORT_ONLY = env_bool("DUKAAN_CSP_REPORT_ONLY", False)
CONTENT_SECURITY_POLICY = None if DUKAAN_CSP_REPORT_ONLY else _CSP_POLICY
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP_POLICY if DUKAAN_CSP_REPORT_ONLY else None

# --- API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dukaan.http.authentication.TokenAuthentication",  # DRF's, refusing impossible keys with a 401
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "dukaan.http.api_errors.exception_handler",
    # DRF's JSON parser, but too deeply nested JSON is a 400 rather than a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "dukaan.http.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dukaan API",
    "DESCRIPTION": "Seller and storefront API of Dukaan. Authenticate with `Authorization: Token <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields of the same name ("kind", "status") with different choices get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "ChargeKindEnum": "stores.models.ChargeKind.choices",
        "CouponKindEnum": "coupons.models.CouponKind.choices",
        "OrderStatusEnum": "orders.models.OrderStatus.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dukaan.http.api_errors.document_error_responses",  # the 4xx answers of every operation
    ],
}

# --- Logging: one JSON object per line, each carrying the request id.
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dukaan.http.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "dukaan.http.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": os.environ.get("DUKAAN_LOG_FORMAT", "plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"level": "INFO"},
        # fpdf2's font subsetting logs a dozen INFO lines per invoice.
        "fontTools": {"level": "WARNING"},
    },
}
