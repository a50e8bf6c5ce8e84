"""`{{ url|absolute_url }}`: a URL crawlers can fetch from anywhere (link previews, manifests).

Media and static URLs are relative (/media/…) on the local disk and absolute on the CDN; a
relative one is put on DUKAAN_PUBLIC_URL, never on the request's Host (the client's to choose).
"""

from __future__ import annotations

from django import template

from dukaan.http.public_urls import public_url

register = template.Library()


@register.filter
def absolute_url(url: str | None) -> str:
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return f"https:{url}"
    return public_url(url)
