"""Admin for phone-identity users and OTP challenges; createsuperuser with a phone."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from stores import otp
from stores.models import OtpChallenge, User


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser("+919000000099", "admin-pass-123")
    client.force_login(admin)
    return client


def test_createsuperuser_with_phone_non_interactively(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-admin-pass")
    call_command("createsuperuser", "--noinput", "--phone", "98765 43210", verbosity=0)
    admin = User.objects.get()
    assert admin.phone == "+919876543210"
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("s3cret-admin-pass")


@pytest.mark.integration
def test_createsuperuser_command_line_works(tmp_path):
    """The real management command in a fresh process, on its own SQLite file."""
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "DJANGO_DEBUG": "1",
        "DUKAAN_DATA_DIR": str(tmp_path),
        "DJANGO_SUPERUSER_PASSWORD": "s3cret-admin-pass",
    }
    manage = str(django_settings.BASE_DIR / "manage.py")
    subprocess.run([sys.executable, manage, "migrate", "-v0"], env=env, check=True, timeout=120)
    done = subprocess.run(
        [sys.executable, manage, "createsuperuser", "--noinput", "--phone", "+919876543210"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Superuser created successfully" in done.stdout


def test_user_changelist_searches_by_phone_and_name(admin_client, make_seller):
    make_seller("+919811111111", name="Ravi Kirana")
    make_seller("+919822222222", name="Meena Sweets")
    response = admin_client.get("/admin/stores/user/?q=9811111111")
    html = response.content.decode()
    assert response.status_code == 200
    assert "+919811111111" in html and "+919822222222" not in html
    html = admin_client.get("/admin/stores/user/?q=Meena").content.decode()
    assert "+919822222222" in html and "+919811111111" not in html


def test_user_changelist_filters_by_staff_and_active(admin_client, make_seller):
    inactive = make_seller("+919811111111", is_active=False)
    staff = User.objects.get(is_staff=True)
    html = admin_client.get("/admin/stores/user/?is_staff__exact=1").content.decode()
    assert f"/admin/stores/user/{staff.pk}/change/" in html
    assert f"/admin/stores/user/{inactive.pk}/change/" not in html
    html = admin_client.get("/admin/stores/user/?is_active__exact=0").content.decode()
    assert f"/admin/stores/user/{inactive.pk}/change/" in html
    assert f"/admin/stores/user/{staff.pk}/change/" not in html


def test_admin_adds_a_seller_with_phone_only(admin_client):
    response = admin_client.post(
        "/admin/stores/user/add/",
        {
            "phone": "98111 11111",
            "name": "Ravi",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(phone="+919811111111")
    assert not user.has_usable_password()


def test_admin_adds_staff_with_a_password(admin_client):
    response = admin_client.post(
        "/admin/stores/user/add/",
        {
            "phone": "+919811111112",
            "name": "Ops",
            "usable_password": "true",
            "password1": "long-enough-pass-1",
            "password2": "long-enough-pass-1",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(phone="+919811111112").check_password("long-enough-pass-1")


def test_admin_add_refuses_a_bad_or_duplicate_phone(admin_client, make_seller):
    make_seller("+919811111111")
    before = User.objects.count()
    for phone in ["abc", "9811111111"]:
        response = admin_client.post(
            "/admin/stores/user/add/",
            {"phone": phone, "usable_password": "false", "password1": "", "password2": ""},
        )
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
    assert User.objects.count() == before


def test_user_change_page_renders_with_stores(admin_client, store):
    response = admin_client.get(f"/admin/stores/user/{store.owner.pk}/change/")
    assert response.status_code == 200
    assert store.slug in response.content.decode()


def test_otp_admin_is_read_only_and_never_shows_the_hash(admin_client):
    now = timezone.now()
    challenge = OtpChallenge.objects.create(
        phone="+919811111111",
        code_hash=otp.hash_code("+919811111111", "123456"),
        requested_ip="203.0.113.5",
        created_at=now,
        expires_at=now + timedelta(minutes=5),
    )
    listing = admin_client.get("/admin/stores/otpchallenge/?q=98111 11111")
    assert listing.status_code == 200
    assert "+919811111111" in listing.content.decode()
    detail = admin_client.get(f"/admin/stores/otpchallenge/{challenge.pk}/change/")
    assert detail.status_code == 200
    assert challenge.code_hash not in detail.content.decode()
    assert challenge.code_hash not in listing.content.decode()
    assert admin_client.get("/admin/stores/otpchallenge/add/").status_code == 403
    admin_client.post(
        f"/admin/stores/otpchallenge/{challenge.pk}/change/", {"attempts": 0, "phone": "+919800000000"}
    )
    challenge.refresh_from_db()
    assert challenge.phone == "+919811111111"
    for state in ["used", "open", "expired"]:
        assert admin_client.get(f"/admin/stores/otpchallenge/?state={state}").status_code == 200
