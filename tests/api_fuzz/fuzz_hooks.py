"""Schemathesis hooks for one fuzz pass, loaded by `schemathesis run` via SCHEMATHESIS_HOOKS.

The pass is described by the environment that test_api_fuzz.py sets:
  DUKAAN_FUZZ_ROLE            owner | anonymous | other_seller
  DUKAAN_FUZZ_SEED            JSON of what the seed step made (slugs, ids, order numbers and tokens)
  DUKAAN_FUZZ_WEBHOOK_SECRET  the server's webhook secret, to sign gateway events
(DUKAAN_FUZZ_SLUG and DUKAAN_FUZZ_SPARE_SLUG are read by schemathesis.toml.)
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import struct
import zlib

import schemathesis
from hypothesis import strategies as st
from PIL import Image

ROLE = os.environ["DUKAAN_FUZZ_ROLE"]
SEED = json.loads(os.environ["DUKAAN_FUZZ_SEED"])
WEBHOOK_SECRET = os.environ.get("DUKAAN_FUZZ_WEBHOOK_SECRET", "").encode()

# What a stranger may do with success on someone else's store: read the public catalogue, order.
PUBLIC_STORE_OPERATIONS = {
    ("GET", "/api/v1/stores/{slug}/catalog/"),
    ("POST", "/api/v1/stores/{slug}/orders/"),
    ("POST", "/api/v1/stores/{slug}/quote/"),
}
# What needs no login at all.
ANONYMOUS_OPERATIONS = PUBLIC_STORE_OPERATIONS | {
    ("POST", "/api/v1/auth/otp/request/"),
    ("POST", "/api/v1/auth/otp/verify/"),
    ("POST", "/api/v1/auth/logout/"),  # 401 without a token; listed as it needs none to be asked
    ("GET", "/api/v1/orders/{token}/"),
    ("POST", "/api/v1/payments/webhooks/{provider}/"),
}


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """Steer ids, numbers and tokens to the seeded rows half of the time.

    Random ids only ever reach a 404; the first seller's products, categories and orders make
    the fuzzer reach the code behind the lookups. (The slug is always the first seller's store:
    schemathesis.toml fixes it for every phase.)
    """
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    seeded = {
        "number": SEED["order_numbers"],
        "token": SEED["order_tokens"],
        # The other seller's product too: it must be a 404 in the first seller's store.
        "id": [*SEED["product_ids"], SEED["other_product_id"]]
        if "/products/" in path
        else SEED["category_ids"],
        # A product's variants: mostly the product that has them, sometimes another seller's.
        "product_pk": [SEED["variant_product_id"], SEED["variant_product_id"], SEED["other_product_id"]],
    }
    if "/variants/" in path:
        seeded["pk"] = [*SEED["variant_ids"], SEED["other_variant_id"]]
    choices = {
        name: st.sampled_from(seeded[name]) | st.just(value) if name in seeded else st.just(value)
        for name, value in path_parameters.items()
    }
    return st.fixed_dictionaries(choices)


def _operation(case) -> tuple[str, str]:
    """The documented operation (the coverage phase also sends it methods it does not have)."""
    return case.operation.method.upper(), case.operation.path


def _is_metadata_request(case) -> bool:
    """OPTIONS answers with DRF's description of the view (its name, parsers), no store's data."""
    return case.method.upper() == "OPTIONS"


@schemathesis.check
def keeps_sellers_out_of_other_stores(ctx, response, case):
    """Another seller never gets a 2xx on the first seller's store, except its public parts."""
    if ROLE != "other_seller" or "{slug}" not in case.operation.path:
        return None
    if _operation(case) in PUBLIC_STORE_OPERATIONS or _is_metadata_request(case):
        return None
    if 200 <= response.status_code < 300:
        raise AssertionError(
            f"Another seller got {response.status_code} from {case.method} {case.formatted_path}"
        )
    return None


@schemathesis.check
def requires_login_for_seller_operations(ctx, response, case):
    """Without a token, everything but the public operations is refused."""
    if ROLE != "anonymous" or _operation(case) in ANONYMOUS_OPERATIONS or _is_metadata_request(case):
        return None
    # 401/403 from the API; 404 from a URL no route matches (e.g. a product id of -1); 405 for a
    # method the view does not have.
    if response.status_code not in (401, 403, 404, 405):
        raise AssertionError(
            f"{case.method} {case.formatted_path} answered {response.status_code} without a login"
        )
    return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Drop what is not the API's answer.

    - gunicorn's own 414/431 for a request line or headers over its limits (Django never sees them);
    - Django's technical 404 page (HTML), shown only in DEBUG, for an /api/ URL that no route
      matches, e.g. a product id of "-1". Without DEBUG, dukaan.http.api_errors.not_found answers it
      in JSON (tests/api_fuzz/test_api_errors.py).
    """
    if response.status_code in (414, 431):
        return False
    content_type = " ".join(response.headers.get("content-type", []))
    is_debug_404_page = (
        response.status_code == 404
        and content_type.startswith("text/html")
        and b"Using the URLconf defined in" in response.content
    )
    return not is_debug_404_page


def _image(mode: str, fmt: str, size: tuple[int, int] = (8, 8), **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, fmt, **options)
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb by its size)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


# Photos a phone might send, and files that only pretend to be one. Random bytes alone never
# get past the first check, so the fuzzer picks from these too.
UPLOADS = [
    _image("RGB", "JPEG"),
    _image("RGB", "PNG"),
    _image("RGBA", "WEBP"),
    _image("CMYK", "JPEG"),
    _image("I;16", "PNG"),
    _image("P", "PNG", transparency=0),
    _image("RGB", "GIF"),
    _image("RGB", "PNG")[:40],  # cut off while uploading
    _png_claiming(60_000, 60_000),
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
]


def _upload_field(path: str) -> str | None:
    if path.startswith("/api/v1/stores/{slug}/products/"):
        return "image"
    if path == "/api/v1/stores/{slug}/":
        return "logo"
    return None


PHONE_FIELDS = {"phone", "customer_phone", "whatsapp_number"}
VALID_PHONES = ["9876512345", "+91 98450 12345", "+919845012345"]
MONEY_FIELDS = {"price", "mrp"}
VALID_PRICES = ["1", "120.50", "99999", "0.01"]


@schemathesis.hook
def flatmap_body(context, body):
    """Half of the time, order items name seeded products; phone numbers and prices are real ones.

    Random product ids only reach "no such product", random phone numbers "not a phone number"
    and random prices "must be a number": no order would be placed, no code sent, no product made.
    """
    if not isinstance(body, dict):
        return st.just(body)
    choices = {key: st.just(value) for key, value in body.items()}
    for field in PHONE_FIELDS & body.keys():
        choices[field] = st.sampled_from(VALID_PHONES) | st.just(body[field])
    for field in MONEY_FIELDS & body.keys():
        choices[field] = st.sampled_from(VALID_PRICES) | st.just(body[field])
    items = body.get("items")
    if isinstance(items, list) and all(isinstance(item, dict) for item in items):
        seeded_item = st.fixed_dictionaries(
            {"product": st.sampled_from(SEED["product_ids"]), "quantity": st.integers(-1, 3)}
        )
        choices["items"] = st.lists(seeded_item, min_size=1, max_size=3) | st.just(items)
    return st.fixed_dictionaries(choices)


@schemathesis.hook
def before_call(context, case, kwargs):
    """Just before sending: real-looking uploads in forms, and signed webhook events."""
    if case.media_type and case.media_type.startswith("multipart/") and isinstance(case.body, dict):
        # The photo is optional and random bytes never get past its first check: most of the
        # time, send one of UPLOADS, picked from the generated body so that a run repeats exactly.
        field = _upload_field(case.operation.path)
        pick = zlib.crc32(repr(case.body).encode()) % (len(UPLOADS) + 2)
        if field and pick < len(UPLOADS):
            case.body = {**case.body, field: UPLOADS[pick]}
    if ROLE == "owner" and case.operation.path.endswith("/webhooks/{provider}/") and WEBHOOK_SECRET:
        _sign_webhook(case)


def _sign_webhook(case) -> None:
    """Sign the event the way the gateway does, so that it reaches the event parser."""
    if case.media_type != "application/json" or isinstance(case.body, bytes):
        return
    try:
        raw = json.dumps(case.body).encode()
    except (TypeError, ValueError):
        return
    signature = "sha256=" + hmac.new(WEBHOOK_SECRET, raw, hashlib.sha256).hexdigest()
    case.body = raw
    case.headers = {**(case.headers or {}), "X-Dukaan-Signature": signature}
