"""The webhook endpoint gateways call: raw body in, signature first."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.providers.base import KNOWN_EVENT_TYPES
from payments.signing import SIGNATURE_HEADER
from payments.webhooks import webhook_receive

# Documentation only: the view reads the raw body (the signature covers its exact bytes), and
# payments/providers/*.parse_event() checks it. Documented so that schema-driven tests send events.
WEBHOOK_EVENT = inline_serializer(
    "PaymentWebhookEvent",
    fields={
        "id": serializers.CharField(
            max_length=100, help_text="The gateway's event id (deduplicates deliveries)."
        ),
        "type": serializers.ChoiceField(choices=sorted(KNOWN_EVENT_TYPES)),
        "data": inline_serializer(
            "PaymentWebhookEventData",
            fields={
                "payment_ref": serializers.CharField(max_length=64),
                "amount": serializers.DecimalField(max_digits=12, decimal_places=2),
                "currency": serializers.CharField(min_length=3, max_length=3, help_text="e.g. INR"),
            },
        ),
    },
)


class WebhookView(APIView):
    # Gateways are not users: no session (so no CSRF), no token; the HMAC signature is the auth.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="payments_webhook",
        summary="Signed payment event from a gateway",
        description=(
            f"Raw JSON body signed with HMAC-SHA256 of the shared secret, sent as "
            f"`{SIGNATURE_HEADER}: sha256=<hex>`. Body: "
            '`{"id": "evt_..", "type": "payment.captured|payment.failed", '
            '"data": {"payment_ref", "amount", "currency"}}`.'
        ),
        parameters=[
            OpenApiParameter(SIGNATURE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)
        ],
        request={"application/json": WEBHOOK_EVENT},
        responses={
            200: OpenApiResponse(description="Processed (or a duplicate of a processed event)"),
            202: OpenApiResponse(description="Stored; processing failed and will be retried"),
            400: OpenApiResponse(description="Signed but unreadable; stored for the record"),
            401: OpenApiResponse(description="Bad signature; nothing stored"),
            404: OpenApiResponse(description="Unknown provider"),
        },
    )
    def post(self, request: Request, provider: str) -> Response:
        result = webhook_receive(provider_name=provider, body=request.body, headers=request.headers)
        return Response(result.body, status=result.status_code)
