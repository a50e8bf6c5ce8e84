from __future__ import annotations

from rest_framework import serializers

from coupons.models import Coupon, CouponKind


class CouponSerializer(serializers.ModelSerializer):
    class Meta:
        model = Coupon
        fields = [
            "id",
            "code",
            "kind",
            "value",
            "max_discount",
            "min_order",
            "starts_at",
            "expires_at",
            "usage_limit",
            "per_customer_limit",
            "used_count",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class CouponWriteSerializer(serializers.Serializer):
    """POST/PATCH body; the service checks the values (coupons/services.py), one set of messages."""

    code = serializers.CharField(required=False, max_length=60)
    kind = serializers.ChoiceField(choices=CouponKind.choices, required=False)
    value = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20)
    max_discount = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20)
    min_order = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20)
    starts_at = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)
    expires_at = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)
    usage_limit = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1_000_000)
    per_customer_limit = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=1_000_000
    )
    is_active = serializers.BooleanField(required=False)

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown or read-only field."] for key in unknown})
        return super().to_internal_value(data)
