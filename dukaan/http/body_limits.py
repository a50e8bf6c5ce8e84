"""Refusing an upload that is too large from its declared Content-Length, before reading its body.

Django parses a multipart body the first time anything touches request.POST or request.FILES, and
spools each file to a temporary file as it arrives: a 50 MB "photo" is read (and written to disk)
in full before a view or service could look at its size. The Content-Length header is known before
any of that, so a body declaring more than an endpoint accepts is answered without being read.
(A body that declares less than it sends is cut at the declared length by Django's LimitedStream;
one that declares nothing is read as empty. Either way the services count the bytes they get.)

Who reads the body first matters:

* DRF API views: SessionAuthentication checks CSRF during authentication, and for a POST Django's
  CSRF check reads request.POST (the csrfmiddlewaretoken field) before it looks at the X-CSRFToken
  header. So `body_exceeds` is called in `initial()` *before* authentication.
* HTML form views: CsrfViewMiddleware.process_view runs before the view and, for a POST, reads
  request.POST the same way. `refuse_oversized_body` therefore marks the view csrf_exempt for the
  middleware and runs the real check itself (csrf_protect, the same CsrfViewMiddleware) only once
  the size is known to be acceptable. The refusal is answered without a CSRF check, which is safe:
  it changes nothing and its page cannot be read cross-site; the token is in the unread body anyway,
  so checking it would mean reading what we refuse to read.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from rest_framework.request import Request

# Room for the other form fields and the multipart framing around a file in the body.
MULTIPART_OVERHEAD_BYTES = 256 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def declared_body_length(request: HttpRequest | Request) -> int:
    """The body length the client declared (0 when absent or not a number, as Django reads it)."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def body_exceeds(request: HttpRequest | Request, max_bytes: int) -> bool:
    """True when a POST/PUT/PATCH declares a body over `max_bytes`. Reads nothing of the body."""
    return request.method in BODY_METHODS and declared_body_length(request) > max_bytes


def refuse_oversized_body(
    max_bytes: int | Callable[[], int],
    *,
    on_refused: Callable[..., HttpResponse],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a form view: a body declared over `max_bytes` is answered by
    `on_refused(request, *args, **kwargs)` without being read (nor CSRF-checked, see above); any
    other request runs the view under CSRF protection as usual.

    `max_bytes` may be a callable, read per request (settings can change under tests). Put it
    inside login_required, so an anonymous caller is sent to sign in as before.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            limit = max_bytes() if callable(max_bytes) else max_bytes
            if body_exceeds(request, limit):
                return on_refused(request, *args, **kwargs)
            return protected(request, *args, **kwargs)

        # The middleware must not read request.POST for its token: `protected` checks it instead.
        # (functools.wraps in the decorators around this one copies the mark outwards.)
        return csrf_exempt(checked)

    return decorator


def refuse_on_form(form: forms.Form, field: str, message: str) -> forms.Form:
    """Put `message` on `field` of an unbound form (shown with its initial values): the body was
    never read, so there is nothing to bind the form to."""
    form.cleaned_data = {}  # add_error() expects it; an unbound form's full_clean() leaves none
    form.add_error(field, message)
    return form
