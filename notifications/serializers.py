"""API shapes for a store's notifications and its choices of which to send."""

from __future__ import annotations

from rest_framework import serializers

from notifications.models import PREFERENCE_FIELDS, Notification, NotificationSettings
from stores.serializers import StrictSerializer


class NotificationSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationSettings
        fields = [*PREFERENCE_FIELDS, "updated_at"]
        read_only_fields = fields


class NotificationSettingsUpdateSerializer(StrictSerializer):
    """PATCH body: any of the kinds, true or false."""

    order_placed = serializers.BooleanField(required=False)
    order_received = serializers.BooleanField(required=False)
    order_accepted = serializers.BooleanField(required=False)
    order_shipped = serializers.BooleanField(required=False)
    order_delivered = serializers.BooleanField(required=False)
    order_cancelled = serializers.BooleanField(required=False)
    order_rejected = serializers.BooleanField(required=False)
    payment_captured = serializers.BooleanField(required=False)


class NotificationSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order.number", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "order",
            "kind",
            "recipient",
            "message",
            "status",
            "attempts",
            "provider_status",
            "last_error",
            "idempotency_key",
            "created_at",
            "delivered_at",
            "failed_at",
        ]
        read_only_fields = fields
