"""JSON API for the seller app: sign-in by one-time code and the seller's stores."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dukaan.http.body_limits import MULTIPART_OVERHEAD_BYTES, body_exceeds
from dukaan.http.client_ip import client_ip
from dukaan.http.parsers import JSONParser  # too deeply nested JSON is a 400, not a 500
from stores import services
from stores.access import get_owned_store_or_404, get_store_item_or_404
from stores.models import Store, StoreCharge
from stores.serializers import (
    ApiDetailSerializer,
    OtpRequestAcceptedSerializer,
    OtpRequestSerializer,
    OtpVerifiedSerializer,
    OtpVerifySerializer,
    StoreChargeSerializer,
    StoreChargeWriteSerializer,
    StoreCreateSerializer,
    StoreSerializer,
    StoreUpdateSerializer,
    ThrottledSerializer,
)
from stores.services.store_settings import LOGO_MAX_BYTES, logo_too_large_message


def _throttled(exc: services.OtpThrottled) -> Response:
    return Response(
        {"detail": exc.message, "retry_after": exc.retry_after},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(exc.retry_after)},
    )


class OtpRequestView(APIView):
    # No session authentication: an anonymous form post from the app needs no CSRF token.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="Send a one-time code by SMS",
        description="The answer is the same whether or not the phone has an account.",
        request=OtpRequestSerializer,
        responses={
            202: OtpRequestAcceptedSerializer,
            400: OpenApiResponse(description='Bad phone number: `{"phone": [message]}`'),
            429: ThrottledSerializer,
            503: ApiDetailSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = OtpRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.otp_request(phone=serializer.validated_data["phone"], ip=client_ip(request))
        except services.OtpThrottled as exc:
            return _throttled(exc)
        except services.OtpDeliveryFailed as exc:
            return Response({"detail": exc.message}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(
            {
                "detail": "We sent a 6-digit code by SMS.",
                "expires_in": settings.DUKAAN_OTP_TTL_SECONDS,
                "resend_after": settings.DUKAAN_OTP_RESEND_COOLDOWN_SECONDS,
            },
            status=status.HTTP_202_ACCEPTED,
        )


class OtpVerifyView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="Exchange the code for an API token",
        request=OtpVerifySerializer,
        responses={
            200: OtpVerifiedSerializer,
            400: OpenApiResponse(description='Wrong, expired or used code: `{"otp": [message]}`'),
            403: ApiDetailSerializer,
            429: OpenApiResponse(ApiDetailSerializer, description="Too many wrong codes: ask for a new one."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = OtpVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = services.otp_verify(phone=data["phone"], code=data["otp"])
        except services.OtpLocked as exc:
            return Response({"detail": exc.message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        except services.OtpInvalid as exc:
            return Response({"otp": [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
        except services.AccountDisabled as exc:
            return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
        token = services.api_token_issue(user=result.user)
        return Response({"token": token.key, "is_new": result.is_new}, status=status.HTTP_200_OK)


class LogoutView(APIView):
    """The seller app's "sign out": the token it holds stops working at once."""

    @extend_schema(
        tags=["auth"],
        summary="Sign out: revoke the API token this request carries",
        request=None,
        responses={204: None, 401: ApiDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        services.api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StoreListCreateView(generics.ListAPIView):
    serializer_class = StoreSerializer

    def get_queryset(self):
        return Store.objects.filter(owner=self.request.user).order_by("created_at", "id")

    @extend_schema(tags=["stores"], summary="The seller's stores")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["stores"],
        summary="Open a store; it is live at `url` at once",
        request=StoreCreateSerializer,
        responses={201: StoreSerializer, 400: OpenApiResponse(description='`{"name": [message]}`')},
    )
    def post(self, request: Request) -> Response:
        serializer = StoreCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        store = services.store_create(owner=request.user, name=serializer.validated_data["name"])
        return Response(StoreSerializer(store).data, status=status.HTTP_201_CREATED)


class StoreDetailView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "patch", "head", "options"]

    def initial(self, request: Request, *args, **kwargs) -> None:
        # A logo over the limit is refused from the declared length, before the body is read
        # (and before authentication, whose CSRF check may read request.POST: see body_limits).
        if body_exceeds(request, LOGO_MAX_BYTES + MULTIPART_OVERHEAD_BYTES):
            raise ValidationError({"logo": [logo_too_large_message()]})
        super().initial(request, *args, **kwargs)

    @extend_schema(tags=["stores"], summary="One of the seller's stores", responses={200: StoreSerializer})
    def get(self, request: Request, slug: str) -> Response:
        store = get_owned_store_or_404(request.user, slug)
        return Response(StoreSerializer(store).data)

    @extend_schema(
        tags=["stores"],
        summary="Change store settings (JSON, or multipart to upload a logo)",
        request={"application/json": StoreUpdateSerializer, "multipart/form-data": StoreUpdateSerializer},
        responses={200: StoreSerializer, 400: OpenApiResponse(description="`{field: [message]}`")},
    )
    def patch(self, request: Request, slug: str) -> Response:
        store = get_owned_store_or_404(request.user, slug)
        serializer = StoreUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        remove_logo = "logo" in changes and changes["logo"] is None
        services.store_update(store=store, remove_logo=remove_logo, **changes)
        return Response(StoreSerializer(store).data)


def _owned_charge_or_404(store: Store, pk: int) -> StoreCharge:
    return get_store_item_or_404(StoreCharge, store, pk)


class StoreChargeListCreateView(APIView):
    """The extra charges every order at the store pays (SPEC section 7)."""

    @extend_schema(
        tags=["stores"],
        summary="The store's extra charges",
        responses={200: StoreChargeSerializer(many=True)},
    )
    def get(self, request: Request, slug: str) -> Response:
        store = get_owned_store_or_404(request.user, slug)
        charges = StoreCharge.objects.filter(store=store).order_by("created_at", "id")
        return Response(StoreChargeSerializer(charges, many=True).data)

    @extend_schema(
        tags=["stores"],
        summary="Add an extra charge (flat rupees, or a percent of the goods)",
        request=StoreChargeWriteSerializer,
        responses={201: StoreChargeSerializer, 400: OpenApiResponse(description="`{field: [message]}`")},
    )
    def post(self, request: Request, slug: str) -> Response:
        store = get_owned_store_or_404(request.user, slug)
        serializer = StoreChargeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        charge = services.store_charge_create(
            store=store,
            name=data.get("name"),
            kind=data.get("kind"),
            amount=data.get("amount"),
            is_active=data.get("is_active", True),
        )
        return Response(StoreChargeSerializer(charge).data, status=status.HTTP_201_CREATED)


class StoreChargeDetailView(APIView):
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(tags=["stores"], summary="One extra charge", responses={200: StoreChargeSerializer})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        charge = _owned_charge_or_404(get_owned_store_or_404(request.user, slug), pk)
        return Response(StoreChargeSerializer(charge).data)

    @extend_schema(
        tags=["stores"],
        summary="Change an extra charge (orders already placed keep what they paid)",
        request=StoreChargeWriteSerializer,
        responses={200: StoreChargeSerializer, 400: OpenApiResponse(description="`{field: [message]}`")},
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        charge = _owned_charge_or_404(get_owned_store_or_404(request.user, slug), pk)
        serializer = StoreChargeWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        charge = services.store_charge_update(charge=charge, **serializer.validated_data)
        return Response(StoreChargeSerializer(charge).data)

    @extend_schema(tags=["stores"], summary="Remove an extra charge", responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        services.store_charge_delete(
            charge=_owned_charge_or_404(get_owned_store_or_404(request.user, slug), pk)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
