"""What a store link brings along when it is shared or saved: its preview card and its manifest.

Both are drawn from the shared catalogue (nothing of the visitor's), so they are public answers.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from catalogue.selectors import get_catalogue
from catalogue.share_card import share_card_bytes, share_card_key, share_card_url
from dukaan.http.api_errors import not_found
from stores.views import manifest_icons, manifest_response

CARD_IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def share_card(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The store's 1200x630 link-preview picture (og:image), named by its content."""
    catalogue = get_catalogue(slug)
    if catalogue is None:
        return not_found(request)
    if key != share_card_key(catalogue):
        # A page cached before the catalogue changed: send the crawler to today's card.
        response = HttpResponseRedirect(share_card_url(catalogue))
        response["Cache-Control"] = "public, max-age=300"
        return response
    response = HttpResponse(share_card_bytes(catalogue), content_type="image/jpeg")
    response["Cache-Control"] = CARD_IMMUTABLE
    return response


@require_safe
def store_manifest(request: HttpRequest, slug: str) -> HttpResponse:
    """A shopper's "Add to home screen" on a storefront opens this store, under its own name."""
    catalogue = get_catalogue(slug)
    if catalogue is None:
        return not_found(request)
    store = catalogue["store"]
    return manifest_response(
        {
            "name": store["name"],
            "short_name": store["name"][:12],
            "description": (store["description"] or f"Order from {store['name']} online.")[:300],
            "id": f"/{store['slug']}/",
            "start_url": f"/{store['slug']}/",
            "scope": f"/{store['slug']}/",
            "display": "standalone",
            "background_color": "#f7f7f9",
            "theme_color": "#146eb4",
            "icons": manifest_icons(),
        }
    )
