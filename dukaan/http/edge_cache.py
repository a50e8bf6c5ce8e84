"""Answers that shared caches may keep: our nginx micro-cache and a CDN in front of it.

An answer is shareable when nothing in it or in the request is one visitor's own: a GET or HEAD
with no Authorization header, no session and no read-your-writes pin. Such an answer says
`Cache-Control: public` with a short `s-maxage` (shared caches keep it about a second, serve it
stale while they refresh it, and serve it stale when the app is down) and `max-age=0` (browsers
revalidate, which the strong ETag makes a 304). Everything else is `private, no-cache`.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

from dukaan.db.read_your_writes import ReadYourWritesMiddleware

SAFE_METHODS = ("GET", "HEAD")


def request_is_shareable(request: HttpRequest) -> bool:
    if request.method not in SAFE_METHODS or request.headers.get("Authorization"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and ReadYourWritesMiddleware.COOKIE_NAME not in cookies


def strong_etag(*parts: object) -> str:
    """A strong ETag over `parts` and the release (a deploy changes every page's bytes)."""
    text = "|".join([settings.DUKAAN_RELEASE, *(str(part) for part in parts)])
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag_matches(request: HttpRequest, etag: str) -> bool:
    """If-None-Match names `etag` (weak comparison, as RFC 9110 asks for If-None-Match)."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    tags = parse_etags(header)
    bare = etag.removeprefix("W/")
    return "*" in tags or any(tag.removeprefix("W/") == bare for tag in tags)


def cache_control(shareable: bool) -> str:
    if not shareable:
        return "private, no-cache"
    return (
        f"public, max-age=0, s-maxage={settings.DUKAAN_EDGE_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.DUKAAN_EDGE_STALE_SECONDS}, "
        f"stale-if-error={settings.DUKAAN_EDGE_STALE_IF_ERROR_SECONDS}"
    )


def nginx_expiry() -> str:
    """X-Accel-Expires for our nginx: keep the copy until the end of the current second (and the
    next DUKAAN_EDGE_CACHE_SECONDS - 1).

    nginx counts cache validity in whole seconds and treats a copy stored at 10.0 s with
    `s-maxage=1` as fresh until 11.999 s: up to two seconds. An absolute expiry at the end of the
    second keeps a copy at most one second, so a price change shows within about a second.
    nginx reads this header and does not pass it on; a CDN goes by Cache-Control.
    """
    return f"@{int(time.time()) + settings.DUKAAN_EDGE_CACHE_SECONDS - 1}"


def mark(response: HttpResponse, *, shareable: bool, etag: str | None = None) -> HttpResponse:
    """Set Cache-Control (and the ETag) of an answer drawn from shared data."""
    shared = shareable and response.status_code in (200, 404)
    response["Cache-Control"] = cache_control(shared)
    if shared:
        response["X-Accel-Expires"] = nginx_expiry()
    if etag and response.status_code == 200:
        response["ETag"] = etag
    return response


def not_modified(*, shareable: bool, etag: str) -> HttpResponse:
    """The 304 for a matching If-None-Match: no body, the same validators and caching rules."""
    response = HttpResponseNotModified()
    response["ETag"] = etag
    response["Cache-Control"] = cache_control(shareable)
    if shareable:
        response["X-Accel-Expires"] = nginx_expiry()
    return response
