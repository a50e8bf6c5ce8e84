"""Orders API for sellers: list a store's orders and move one along its workflow.

Placing an order and following it by token are the checkout's (checkout/api.py).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from orders import selectors
from orders.invoice import invoice_response
from orders.models import Order, OrderStatus
from orders.serializers import OrderSerializer, OrderUpdateSerializer
from orders.services import OrderError, order_status_change
from stores.access import get_owned_store_or_404


class StoreOrderListView(ListAPIView):
    """GET: the owner's orders of one store, newest first, optionally by status."""

    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated]

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
            order_status_change(
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


class StoreOrderInvoiceView(StoreOrderDetailView):
    """The order's tax invoice as a PDF (SPEC section 7), numbered from the store's series."""

    @extend_schema(
        operation_id="store_orders_invoice",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, slug: str, number: int) -> HttpResponse:
        return invoice_response(self._order(request, slug, number))

    http_method_names = ["get", "head", "options"]
