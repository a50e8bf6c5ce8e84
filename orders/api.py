"""Orders API: customers place orders and follow them by token; sellers list and move theirs."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from dukaan.db_router import use_primary
from orders import selectors
from orders.models import Order, OrderStatus, PaymentMethod
from orders.serializers import (
    OrderSerializer,
    OrderUpdateSerializer,
    PlaceOrderSerializer,
    PublicOrderSerializer,
)
from orders.services import OrderError, change_order_status, clean_customer, place_order
from stores.access import get_owned_store_or_404
from stores.models import Store


class StoreOrdersView(ListAPIView):
    serializer_class = OrderSerializer

    def _is_post(self) -> bool:
        # The schema generator asks without a request.
        return getattr(getattr(self, "request", None), "method", None) == "POST"

    def get_permissions(self):
        # Anyone may place an order; only the owner may list the store's orders.
        return [AllowAny()] if self._is_post() else [IsAuthenticated()]

    def get_authenticators(self):
        # A customer's POST needs no login; skipping session auth also skips its CSRF check.
        if self._is_post():
            from dukaan.authentication import TokenAuthentication

            return [TokenAuthentication()]
        return super().get_authenticators()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        store = get_owned_store_or_404(self.request.user, self.kwargs["slug"])
        status = self.request.query_params.get("status") or None
        if status and status not in OrderStatus.values:
            raise ValidationError(
                {"status": "Unknown status. Use one of: " + ", ".join(OrderStatus.values) + "."}
            )
        return selectors.store_orders(store=store, status=status)

    @extend_schema(
        operation_id="store_orders_list",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=OrderStatus.values)],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(
        operation_id="store_orders_create",
        request=PlaceOrderSerializer,
        responses={201: PublicOrderSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Repeat a request with the same key to get the same order back.",
            )
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        store = Store.objects.filter(slug=slug, is_active=True).first()
        if store is None:
            raise Http404("No such store.")
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
            order = place_order(
                store=store,
                items=[dict(item) for item in values["items"]],
                customer=customer,
                payment_method=values["payment_method"],
                checkout_key=request.headers.get("Idempotency-Key") or None,
            )
        except OrderError as exc:
            raise ValidationError(exc.message_dict) from None
        payment_url = None
        if order.payment_method == PaymentMethod.GATEWAY and order.status == OrderStatus.PENDING_PAYMENT:
            from payments.services import PaymentError, start_gateway_payment

            try:
                _, payment_url = start_gateway_payment(order=order, request=request._request)
            except PaymentError:
                payment_url = None
        order = selectors.order_by_token(order.token)
        body = PublicOrderSerializer(order, context={"payment_url": payment_url}).data
        return Response(body, status=http.HTTP_201_CREATED)


class StoreOrderDetailView(GenericAPIView):
    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated]

    def _order(self, request: Request, slug: str, number: int) -> Order:
        store = get_owned_store_or_404(request.user, slug)
        order = selectors.store_order(store=store, number=number)
        if order is None:
            raise Http404("No such order.")
        return order

    @extend_schema(operation_id="store_orders_retrieve", responses=OrderSerializer)
    def get(self, request: Request, slug: str, number: int) -> Response:
        return Response(OrderSerializer(self._order(request, slug, number)).data)

    @extend_schema(
        operation_id="store_orders_update", request=OrderUpdateSerializer, responses=OrderSerializer
    )
    def patch(self, request: Request, slug: str, number: int) -> Response:
        order = self._order(request, slug, number)
        data = OrderUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        status = values.get("status") or order.status
        if status == order.status and not (values.get("tracking_id") or values.get("shipping_provider")):
            raise ValidationError(
                {"status": "Send the new status (or new tracking details for a shipped order)."}
            )
        try:
            change_order_status(
                order=order,
                status=status,
                actor=request.user,
                tracking_id=values.get("tracking_id"),
                shipping_provider=values.get("shipping_provider"),
                reason=values.get("reason"),
            )
        except OrderError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(OrderSerializer(selectors.store_order(store=order.store, number=order.number)).data)


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
