"""A seller's choices: the dashboard page and the API, and the failed messages they see there."""

from __future__ import annotations

from notifications.models import Notification, NotificationSettings, Status


def test_defaults_tell_the_seller_and_the_customer_but_send_no_confirmation(seller_api, store):
    response = seller_api.get(f"/api/v1/stores/{store.slug}/notification-settings/")
    assert response.status_code == 200
    body = response.json()
    assert body["order_placed"] is True and body["order_shipped"] is True
    assert body["order_received"] is False


def test_the_api_patch_turns_kinds_on_and_off(seller_api, store):
    response = seller_api.patch(
        f"/api/v1/stores/{store.slug}/notification-settings/",
        {"order_placed": False, "order_received": True},
        format="json",
    )
    assert response.status_code == 200
    prefs = NotificationSettings.objects.get(store=store)
    assert prefs.order_placed is False and prefs.order_received is True and prefs.order_accepted is True


def test_the_api_refuses_unknown_kinds_and_other_sellers(seller_api, store, make_store):
    bad = seller_api.patch(
        f"/api/v1/stores/{store.slug}/notification-settings/", {"order_teleported": True}, format="json"
    )
    assert bad.status_code == 400 and "order_teleported" in bad.json()
    other = make_store()
    assert seller_api.get(f"/api/v1/stores/{other.slug}/notification-settings/").status_code == 404


def test_the_dashboard_page_saves_the_choices(seller_web, store):
    page = seller_web.get(f"/dashboard/{store.slug}/notifications/")
    assert page.status_code == 200 and b"Tell me about each new order" in page.content
    response = seller_web.post(f"/dashboard/{store.slug}/notifications/", {"order_shipped": "on"})
    assert response.status_code == 302
    prefs = NotificationSettings.objects.get(store=store)
    assert prefs.order_shipped is True and prefs.order_placed is False


def test_the_dashboard_shows_failed_messages_and_sends_them_again(
    seller_web, store, make_order, settings, django_capture_on_commit_callbacks
):
    settings.DUKAAN_NOTIFY_DELIVERY = "inline"
    settings.DUKAAN_NOTIFY_BACKEND = "console"
    order = make_order(store, number=1001, status="placed", method="cod")
    failed = Notification.objects.create(
        store=store,
        order=order,
        kind="order.placed",
        recipient="+919876543210",
        message="New order #1001",
        status=Status.FAILED,
        attempts=8,
        last_error="try 8: provider answered HTTP 503",
    )

    page = seller_web.get(f"/dashboard/{store.slug}/notifications/")
    assert b'data-failed="1"' in page.content and b"HTTP 503" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        seller_web.post(f"/dashboard/{store.slug}/notifications/{failed.pk}/resend/")

    failed.refresh_from_db()
    assert failed.status == Status.DELIVERED


def test_the_api_lists_failed_notifications(seller_api, store, make_order):
    order = make_order(store, number=1001, status="placed", method="cod")
    Notification.objects.create(
        store=store, order=order, kind="order.placed", recipient="+919876543210", message="m", status="failed"
    )
    response = seller_api.get(f"/api/v1/stores/{store.slug}/notifications/?status=failed")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["order"] == 1001 and row["status"] == "failed"
