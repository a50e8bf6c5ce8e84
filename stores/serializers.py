"""API shapes for sign-in and stores. Validation rules come from stores.services and stores.phone."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from dukaan.media import media_url
from stores.models import ChargeKind, Store, StoreCharge
from stores.phone import MAX_PHONE_INPUT_LENGTH, normalize_phone
from stores.services import DESCRIPTION_MAX_LENGTH, STORE_NAME_MAX_LENGTH


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, so a typo or a read-only field is an error, not a no-op."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: [f"Unknown or read-only field. Allowed: {', '.join(sorted(writable))}."]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


class PhoneField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_PHONE_INPUT_LENGTH)
        kwargs.setdefault("help_text", "Mobile number; a 10-digit Indian number may omit +91.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class OtpRequestSerializer(StrictSerializer):
    """Ask for a code."""

    phone = PhoneField()


class OtpRequestAcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")
    resend_after = serializers.IntegerField(help_text="Seconds before another code may be requested.")


class OtpVerifySerializer(StrictSerializer):
    """Exchange a code for a token."""

    phone = PhoneField()
    otp = serializers.CharField(max_length=20, help_text="The 6 digits from the SMS.")


class OtpVerifiedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    is_new = serializers.BooleanField(help_text="True when this phone's seller account was just created.")


class ApiDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ThrottledSerializer(serializers.Serializer):
    detail = serializers.CharField()
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait before trying again.")


class StoreSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="public_url", read_only=True, help_text="The public link to share.")
    logo_url = serializers.SerializerMethodField()

    class Meta:
        model = Store
        fields = [
            "slug",
            "url",
            "name",
            "description",
            "currency",
            "language",
            "whatsapp_number",
            "upi_id",
            "logo_url",
            "is_active",
            "delivery_fee",
            "free_delivery_above",
            "delivery_fee_online",
            "gstin",
            "gst_percent",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_logo_url(self, store: Store) -> str:
        return media_url(store.logo.name)


class StoreChargeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StoreCharge
        fields = ["id", "name", "kind", "amount", "is_active"]
        read_only_fields = fields


class StoreChargeWriteSerializer(StrictSerializer):
    """POST/PATCH body of a charge; the service checks the values (stores/services/store_charges.py)."""

    name = serializers.CharField(required=False, max_length=200)
    kind = serializers.ChoiceField(choices=ChargeKind.choices, required=False)
    amount = serializers.CharField(
        required=False, max_length=20, help_text="Rupees (flat) or a percent (0-100)."
    )
    is_active = serializers.BooleanField(required=False)


class StoreCreateSerializer(StrictSerializer):
    """A new store: its name (1-80 characters); the slug is derived from it."""

    name = serializers.CharField(max_length=STORE_NAME_MAX_LENGTH)


class StoreUpdateSerializer(StrictSerializer):
    """PATCH body; every field optional. The slug (the shared link) cannot change."""

    name = serializers.CharField(max_length=STORE_NAME_MAX_LENGTH, required=False)
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)
    whatsapp_number = serializers.CharField(
        max_length=MAX_PHONE_INPUT_LENGTH, required=False, allow_blank=True
    )
    upi_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    # Amounts are checked by the service (stores/services/store_settings.py), one set of messages.
    delivery_fee = serializers.CharField(required=False, max_length=20, help_text="Rupees, e.g. 30.")
    free_delivery_above = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=20, help_text="null: never free."
    )
    delivery_fee_online = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=20,
        help_text="For UPI and gateway orders; null: the same as delivery_fee.",
    )
    gstin = serializers.CharField(required=False, allow_blank=True, max_length=20)
    gst_percent = serializers.CharField(required=False, max_length=20, help_text="0 = no GST.")
    # Checked by the service (one message for the API and the dashboard); en or hi.
    language = serializers.CharField(
        required=False, max_length=10, help_text="Shopper pages' language: en (default) or hi."
    )
    logo = serializers.FileField(
        required=False, allow_null=True, help_text="Multipart image upload; null removes the logo."
    )
