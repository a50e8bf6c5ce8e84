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
