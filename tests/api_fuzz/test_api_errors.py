"""The API's error answers and their documentation (fast; the fuzz passes are in test_api_fuzz.py)."""

from __future__ import annotations

import pytest
from django.core.management import call_command


def test_an_api_url_no_route_matches_is_a_json_404(api_client, db):
    # e.g. a product id that is not a number: the URL resolver's 404, not a view's.
    response = api_client.get("/api/v1/stores/some-store/products/-1/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_no_route_matches_is_still_the_sites_404_page(client, db):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_token_header_with_a_nul_byte_is_a_401_without_a_query(api_client, db, django_assert_num_queries):
    # PostgreSQL refuses a NUL byte in a query parameter: the key must never reach the database.
    with django_assert_num_queries(0):
        response = api_client.get("/api/v1/stores/", HTTP_AUTHORIZATION="Token a\x00b")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_token_header_longer_than_any_token_is_a_401_without_a_query(
    api_client, db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = api_client.get("/api/v1/stores/", HTTP_AUTHORIZATION="Token " + "a" * 41)

    assert response.status_code == 401


def test_a_real_token_still_signs_in(seller_api, store):
    response = seller_api.get("/api/v1/stores/")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == [store.slug]


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """The schema as `manage.py spectacular --validate --fail-on-warn` writes it (any warning fails)."""
    import yaml

    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_every_operation_documents_its_error_answers(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = set(operation["responses"])
            label = f"{method.upper()} {path}"
            if "requestBody" in operation or operation.get("parameters"):
                assert "400" in responses, label
            if any("tokenAuth" in scheme for scheme in operation.get("security", [])):
                assert "401" in responses, label
            if "{" in path:
                assert "404" in responses, label


def test_the_webhook_documents_the_signed_json_event_it_reads(schema):
    operation = schema["paths"]["/api/v1/payments/webhooks/{provider}/"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json"}
    event = schema["components"]["schemas"][content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert set(event["required"]) == {"id", "type", "data"}
    assert {"X-Dukaan-Signature"} <= {param["name"] for param in operation["parameters"]}
