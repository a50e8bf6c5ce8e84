"""Notifications in the admin: what was sent to whom, the provider's answers, and "send again"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from notifications.models import Notification, NotificationSettings, Status
from notifications.selectors import queue_status
from notifications.services import notification_resend


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "store",
        "order_number",
        "kind",
        "recipient",
        "status",
        "attempts",
        "provider_status",
        "last_error",
    ]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["=order__number", "recipient", "store__slug", "=idempotency_key"]
    list_select_related = ["store", "order"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [
        "store",
        "order",
        "event",
        "kind",
        "recipient",
        "message",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_expires_at",
        "enqueued_at",
        "provider_status",
        "provider_response",
        "last_error",
        "created_at",
        "updated_at",
        "delivered_at",
        "failed_at",
    ]
    fields = readonly_fields

    @admin.display(description="order", ordering="order__number")
    def order_number(self, notification: Notification) -> str:
        return f"#{notification.order.number}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by the relay from the outbox, never by hand

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    @admin.action(description="Send the selected failed notifications again (same idempotency key)")
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        sent, refused = 0, 0
        for notification in queryset.filter(status=Status.FAILED):
            try:
                notification_resend(notification=notification)
                sent += 1
            except ValidationError:  # delivered or re-sent meanwhile
                refused += 1
        skipped = queryset.exclude(status=Status.FAILED).count() + refused
        self.message_user(request, f"{sent} notification(s) queued to be sent again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} were not failed and were left alone.", messages.WARNING)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        # The queue at a glance above the list: what waits, for how long, and what failed.
        return super().changelist_view(request, {**(extra_context or {}), "queue": queue_status()})


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["store", "order_placed", "order_received", "updated_at"]
    search_fields = ["store__slug"]
    raw_id_fields = ["store"]
