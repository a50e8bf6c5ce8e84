"""Production mode: `check --deploy` is clean, and the app refuses to start without its secrets."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DUKAAN_", "DATABASE_", "REDIS_", "AWS_"))
    }
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DUKAAN_PAYMENT_WEBHOOK_SECRET": secrets.token_urlsafe(32),
            "DJANGO_ALLOWED_HOSTS": "mydukaan.io,api.mydukaan.io",
            "DUKAAN_DATA_DIR": str(tmp_path),
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_security_checks_for_deployment_are_clean_in_production_mode(production_env):
    result = manage(production_env, "check", "--deploy", "--tag", "security", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "security." not in result.stdout + result.stderr


def test_the_whole_deploy_check_is_clean_in_production_mode(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(production_env):
    del production_env["DJANGO_SECRET_KEY"]

    result = manage(production_env, "check")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_a_webhook_secret(production_env, value):
    # An empty key would refuse every webhook (orders never marked paid), never accept them.
    if value is None:
        del production_env["DUKAAN_PAYMENT_WEBHOOK_SECRET"]
    else:
        production_env["DUKAAN_PAYMENT_WEBHOOK_SECRET"] = value

    result = manage(production_env, "check")

    assert result.returncode != 0
    assert "DUKAAN_PAYMENT_WEBHOOK_SECRET must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(production_env):
    del production_env["DJANGO_ALLOWED_HOSTS"]

    result = manage(production_env, "check")

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_production_starts_with_all_secrets_set(production_env):
    result = manage(production_env, "check")

    assert result.returncode == 0, result.stderr


def test_the_public_development_webhook_secret_is_said_loudly_at_start_up(production_env):
    development = {**production_env, "DJANGO_DEBUG": "1"}
    del development["DUKAAN_PAYMENT_WEBHOOK_SECRET"]  # DEBUG falls back to the public default
    result = manage(development, "check")
    assert "payments.W001" in result.stderr + result.stdout
    assert "anyone can sign a payment webhook" in result.stderr + result.stdout

    production = manage(production_env, "check")
    assert "payments.W001" not in production.stderr + production.stdout
