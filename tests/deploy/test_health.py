"""/healthz and /readyz answer JSON in the documented shape (deploy/README.md, "Health")."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_each_dependency_in_the_documented_shape(client):
    response = client.get("/readyz")
    body = response.json()

    assert response.status_code == 200
    assert body["status"] == "ok"
    checks = body["checks"]
    assert {"database", "cache", "replicas", "invalidator"} <= set(checks)
    assert checks["database"]["ok"] is True
    assert isinstance(checks["cache"]["ok"], bool)
    assert isinstance(checks["invalidator"]["ok"], bool)
    assert isinstance(checks["replicas"], dict)
    assert all(isinstance(state["ok"], bool) for state in checks["replicas"].values())
    assert "latest_change_id" in checks["invalidator"]


STRANGER = "203.0.113.9"


@pytest.mark.django_db
def test_readyz_tells_a_stranger_only_whether_the_server_is_ready(client):
    response = client.get("/readyz", REMOTE_ADDR=STRANGER)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_gives_no_details_to_a_stranger_coming_through_our_proxy(client):
    # nginx is a trusted proxy on 127.0.0.1; the client it forwards for is the stranger.
    response = client.get("/readyz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=STRANGER)

    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_gives_details_to_a_caller_with_the_operator_token(client, settings):
    settings.DUKAAN_READYZ_TOKEN = "operator-readyz-token"

    wrong = client.get("/readyz", REMOTE_ADDR=STRANGER, HTTP_X_READYZ_TOKEN="guess")
    right = client.get("/readyz", REMOTE_ADDR=STRANGER, HTTP_X_READYZ_TOKEN="operator-readyz-token")

    assert "checks" not in wrong.json()
    assert right.json()["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_gives_details_to_an_address_the_operator_allows(client, settings):
    settings.DUKAAN_READYZ_DETAIL_IPS = [STRANGER]

    assert "checks" in client.get("/readyz", REMOTE_ADDR=STRANGER).json()
    assert "checks" not in client.get("/readyz", REMOTE_ADDR="127.0.0.1").json()


@pytest.mark.django_db
def test_an_unready_server_says_unavailable_to_a_stranger_without_the_error(client, monkeypatch):
    from dukaan.http import health

    monkeypatch.setattr(health, "_check_primary", lambda: {"ok": False, "error": "db.internal:5432 refused"})
    response = client.get("/readyz", REMOTE_ADDR=STRANGER)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
