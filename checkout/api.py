"""Checkout API: customers place orders and follow them by token.

`stores/<slug>/orders/` is one URL for two people: the owner lists the store's orders (GET, from
the orders app) and a customer places one (POST, here).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from checkout.services import OrderThrottled, checkout_place_order, checkout_quote, checkout_start_payment
from dukaan.db.router import use_primary
from dukaan.http.authentication import TokenAuthentication
from dukaan.http.client_ip import client_ip
from orders import selectors
from orders.api import StoreOrderListView
from orders.serializers import (
    PlaceOrderSerializer,
    PublicOrderSerializer,
    QuoteRequestSerializer,
    QuoteSerializer,
)
from orders.services import IdempotencyConflict, OrderError, clean_customer
from stores.selectors import get_active_store_or_404
from stores.serializers import ApiDetailSerializer, ThrottledSerializer


class StoreOrdersView(StoreOrderListView):
    def _is_post(self) -> bool:
        # The schema generator asks without a request.
        return getattr(getattr(self, "request", None), "method", None) == "POST"

    def get_permissions(self):
        # Anyone may place an order; only the owner may list the store's orders.
        return [AllowAny()] if self._is_post() else [IsAuthenticated()]

    def get_authenticators(self):
        # A customer's POST needs no login; skipping session auth also skips its CSRF check.
        if self._is_post():
            return [TokenAuthentication()]
        return super().get_authenticators()

    @extend_schema(
        operation_id="store_orders_create",
        request=PlaceOrderSerializer,
        responses={
            201: PublicOrderSerializer,
            409: OpenApiResponse(
                ApiDetailSerializer, description="The Idempotency-Key was used for a different request."
            ),
            429: OpenApiResponse(
                ThrottledSerializer,
                description="Too many orders from this network, for this phone or at this store just now.",
            ),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description=(
                    "Repeat the same request with the same key to get the same order back; the key "
                    "with a different request is a 409."
                ),
            )
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        store = get_active_store_or_404(slug)
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": "Send a JSON object."})
        data = PlaceOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = clean_customer(
            name=values["customer_name"],
            phone=values["customer_phone"],
            address=values["address"],
            pincode=values["pincode"],
            note=values.get("note", ""),
        )
        try:
            order = checkout_place_order(
                store=store,
                items=[dict(item) for item in values["items"]],
                customer=customer,
                payment_method=values["payment_method"],
                checkout_key=request.headers.get("Idempotency-Key") or None,
                ip=client_ip(request),
                coupon_code=values.get("coupon") or None,
            )
        except OrderThrottled as exc:
            return Response(
                {"detail": exc.message, "retry_after": exc.retry_after},
                status=http.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(exc.retry_after)},
            )
        except IdempotencyConflict as exc:
            return Response({"detail": exc.MESSAGE}, status=http.HTTP_409_CONFLICT)
        except OrderError as exc:
            raise ValidationError(exc.message_dict) from None
        payment_url = checkout_start_payment(order=order, request=request._request)
        order = selectors.order_by_token(order.token)
        body = PublicOrderSerializer(order, context={"payment_url": payment_url}).data
        return Response(body, status=http.HTTP_201_CREATED)


class QuoteView(GenericAPIView):
    """What an order would cost, part by part, before the shopper places it."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # anonymous, so no session and no CSRF check
    serializer_class = QuoteRequestSerializer

    @extend_schema(
        operation_id="store_quote",
        request=QuoteRequestSerializer,
        responses={200: QuoteSerializer, 400: OpenApiResponse(description="`{field: [message]}`")},
    )
    def post(self, request: Request, slug: str) -> Response:
        store = get_active_store_or_404(slug)
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": "Send a JSON object."})
        data = QuoteRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            money, coupon = checkout_quote(
                store=store,
                items=[dict(item) for item in values["items"]],
                payment_method=values["payment_method"],
                coupon_code=values.get("coupon") or None,
                customer_phone=values.get("customer_phone") or None,
            )
        except OrderError as exc:
            raise ValidationError(exc.message_dict) from None
        body = {
            "subtotal": money.subtotal,
            "discount": money.discount,
            "delivery_fee": money.delivery_fee,
            "charges": [{"name": c.name, "amount": c.amount} for c in money.charges],
            "tax": money.tax,
            "total": money.total,
            "coupon": coupon.code if coupon else None,
        }
        return Response(QuoteSerializer(body).data)


class CustomerOrderView(GenericAPIView):
    serializer_class = PublicOrderSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(operation_id="orders_by_token", responses=PublicOrderSerializer)
    @use_primary()  # payment status must be current, as on the order page
    def get(self, request: Request, token: str) -> Response:
        order = selectors.order_by_token(token)
        if order is None:
            raise Http404("No such order.")
        return Response(PublicOrderSerializer(order).data)
