"""Schemathesis hooks for one fuzz pass, loaded by `schemathesis run` via SCHEMATHESIS_HOOKS.

The pass is described by the environment that test_api_fuzz.py sets:
  DUKAAN_FUZZ_ROLE  owner | anonymous | other_seller
  DUKAAN_FUZZ_SEED  JSON of what the seed step made (slug, ids, order numbers and tokens).
"""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import strategies as st

ROLE = os.environ["DUKAAN_FUZZ_ROLE"]
SEED = json.loads(os.environ["DUKAAN_FUZZ_SEED"])

# What a stranger may do with success on someone else's store: read the public catalogue, order.
PUBLIC_STORE_OPERATIONS = {
    ("GET", "/api/v1/stores/{slug}/catalog/"),
    ("POST", "/api/v1/stores/{slug}/orders/"),
}
# What needs no login at all.
ANONYMOUS_OPERATIONS = PUBLIC_STORE_OPERATIONS | {
    ("POST", "/api/v1/auth/otp/request/"),
    ("POST", "/api/v1/auth/otp/verify/"),
    ("GET", "/api/v1/orders/{token}/"),
    ("POST", "/api/v1/payments/webhooks/{provider}/"),
}


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """Steer path parameters to the seeded rows most of the time.

    Random slugs and ids only ever reach a 404; the first seller's store, its products,
    categories and orders make the fuzzer reach the code behind the lookups. The slug is always
    the first seller's: the owner works in it, the others must be kept out of it.
    """
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    choices = {}
    for name, value in path_parameters.items():
        if name == "slug":
            choices[name] = st.just(SEED["slug"])
        elif name == "id" and "/products/" in path:
            # The other seller's product too: it must be a 404 in the first seller's store.
            choices[name] = st.sampled_from([*SEED["product_ids"], SEED["other_product_id"]]) | st.just(value)
        elif name == "id" and "/categories/" in path:
            choices[name] = st.sampled_from(SEED["category_ids"]) | st.just(value)
        elif name == "number":
            choices[name] = st.sampled_from(SEED["order_numbers"]) | st.just(value)
        elif name == "token":
            choices[name] = st.sampled_from(SEED["order_tokens"]) | st.just(value)
        elif name == "provider":
            choices[name] = st.sampled_from(["fake", value])
        else:
            choices[name] = st.just(value)
    return st.fixed_dictionaries(choices)


def _operation(case) -> tuple[str, str]:
    return case.operation.method.upper(), case.operation.path


@schemathesis.check
def keeps_sellers_out_of_other_stores(ctx, response, case):
    """Another seller never gets a 2xx on the first seller's store, except its public parts."""
    if ROLE != "other_seller" or "{slug}" not in case.operation.path:
        return None
    if _operation(case) in PUBLIC_STORE_OPERATIONS:
        return None
    if 200 <= response.status_code < 300:
        raise AssertionError(
            f"Another seller got {response.status_code} from {_operation(case)} on someone else's store"
        )
    return None


@schemathesis.check
def requires_login_for_seller_operations(ctx, response, case):
    """Without a token, everything but the public operations answers 401 or 403."""
    if ROLE != "anonymous" or _operation(case) in ANONYMOUS_OPERATIONS:
        return None
    if response.status_code not in (401, 403):
        raise AssertionError(f"{_operation(case)} answered {response.status_code} without a login")
    return None
