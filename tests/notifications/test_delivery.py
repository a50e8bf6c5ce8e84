"""Delivery: retries with backoff and one key, failure after the last try, re-send, and leases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications.models import Notification, Status
from notifications.services import notification_deliver, notification_resend, outbox_relay, retry_delay
from orders.services import order_place
from stores.models import User


@pytest.fixture
def http_provider(settings, provider):
    settings.DUKAAN_NOTIFY_BACKEND = "http"
    settings.DUKAAN_NOTIFY_HTTP_URL = provider.url
    settings.DUKAAN_NOTIFY_HTTP_TOKEN = "tok"
    settings.DUKAAN_NOTIFY_HTTP_TIMEOUT_SECONDS = 0.5
    settings.DUKAAN_NOTIFY_MAX_ATTEMPTS = 3
    return provider


@pytest.fixture
def notification(store, make_product, customer) -> Notification:
    chai = make_product(store, price=Decimal("120.00"), stock=5)
    order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    (pk,) = outbox_relay()
    return Notification.objects.get(pk=pk)


def make_due(notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())


def test_5xx_is_retried_later_with_the_same_key_until_accepted(http_provider, notification):
    http_provider.fail_next(2, status=502)

    first = notification_deliver(notification_id=notification.pk)
    assert first.result == "retry" and first.retry_in > 0
    assert notification_deliver(notification_id=notification.pk).result == "skipped"  # not due yet
    make_due(notification)
    assert notification_deliver(notification_id=notification.pk).result == "retry"
    make_due(notification)
    assert notification_deliver(notification_id=notification.pk).result == "delivered"

    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED and notification.attempts == 3
    assert notification.provider_status == 200 and "msg-3" in notification.provider_response
    assert {c["body"]["idempotency_key"] for c in http_provider.received} == {notification.idempotency_key}


def test_after_the_last_try_it_is_failed_with_the_providers_answer(http_provider, notification):
    http_provider.fail_next(3, status=503)
    for _ in range(3):
        make_due(notification)
        outcome = notification_deliver(notification_id=notification.pk)
    assert outcome.result == "failed"
    notification.refresh_from_db()
    assert notification.status == Status.FAILED and notification.failed_at is not None
    assert notification.provider_status == 503 and "HTTP 503" in notification.last_error
    assert len(http_provider.received) == 3


def test_a_refusal_is_not_retried(http_provider, notification):
    http_provider.fail_next(1, status=400)
    assert notification_deliver(notification_id=notification.pk).result == "failed"
    assert len(http_provider.received) == 1


def test_a_timeout_is_retried(http_provider, notification):
    http_provider.delay = 1.5
    assert notification_deliver(notification_id=notification.pk).result == "retry"
    notification.refresh_from_db()
    assert notification.status == Status.PENDING and "too slow" in notification.last_error


def test_a_notification_being_sent_is_not_taken_until_its_lease_runs_out(http_provider, notification):
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENDING, lease_expires_at=timezone.now() + timedelta(seconds=60)
    )
    assert notification_deliver(notification_id=notification.pk).result == "skipped"
    # The worker holding it was killed: once the lease is over, another one sends it.
    Notification.objects.filter(pk=notification.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert notification_deliver(notification_id=notification.pk).result == "delivered"


def test_only_a_failed_notification_is_sent_again_and_from_try_one(notification, settings):
    Notification.objects.filter(pk=notification.pk).update(status=Status.DELIVERED)
    with pytest.raises(ValidationError, match="Only a failed"):
        notification_resend(notification=notification)

    Notification.objects.filter(pk=notification.pk).update(status=Status.FAILED, attempts=3)
    notification_resend(notification=notification)

    notification.refresh_from_db()
    assert notification.status == Status.PENDING and notification.attempts == 0


def test_the_admin_action_re_sends_failed_ones(
    http_provider, notification, client, settings, django_capture_on_commit_callbacks
):
    settings.DUKAAN_NOTIFY_DELIVERY = "inline"
    Notification.objects.filter(pk=notification.pk).update(status=Status.FAILED, attempts=3)
    client.force_login(User.objects.create_superuser("+919000000077", "admin-pass-123"))

    page = client.get("/admin/notifications/notification/?status__exact=failed")
    assert page.status_code == 200 and b"Failed: <strong>1</strong>" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/notification/",
            {"action": "resend", "_selected_action": [notification.pk]},
            follow=True,
        )

    assert b"1 notification(s) queued to be sent again" in response.content
    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED and notification.attempts == 1
    assert [c["body"]["idempotency_key"] for c in http_provider.received] == [notification.idempotency_key]


def test_retry_delays_double_with_jitter_up_to_the_cap(settings):
    settings.DUKAAN_NOTIFY_RETRY_SECONDS = 10
    settings.DUKAAN_NOTIFY_RETRY_MAX_SECONDS = 60
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        delays = [retry_delay(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1, "jittered"
