"""The seller's coupons through the API (SPEC section 7): /api/v1/stores/<slug>/coupons/."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coupons import services
from coupons.models import Coupon
from coupons.selectors import store_coupons
from coupons.serializers import CouponSerializer, CouponWriteSerializer
from stores.access import get_owned_store_or_404, get_store_item_or_404
from stores.models import Store


def _owned_coupon_or_404(store: Store, pk: int) -> Coupon:
    return get_store_item_or_404(Coupon, store, pk)


class CouponListCreateView(APIView):
    @extend_schema(
        tags=["coupons"], summary="The store's coupons", responses={200: CouponSerializer(many=True)}
    )
    def get(self, request: Request, slug: str) -> Response:
        store = get_owned_store_or_404(request.user, slug)
        return Response(CouponSerializer(store_coupons(store), many=True).data)

    @extend_schema(
        tags=["coupons"],
        summary="Add a coupon (percent, flat or free delivery)",
        request=CouponWriteSerializer,
        responses={201: CouponSerializer, 400: OpenApiResponse(description="`{field: [message]}`")},
    )
    def post(self, request: Request, slug: str) -> Response:
        store = get_owned_store_or_404(request.user, slug)
        serializer = CouponWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        coupon = services.coupon_create(store=store, **serializer.validated_data)
        return Response(CouponSerializer(coupon).data, status=status.HTTP_201_CREATED)


class CouponDetailView(APIView):
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(tags=["coupons"], summary="One coupon", responses={200: CouponSerializer})
    def get(self, request: Request, slug: str, pk: int) -> Response:
        coupon = _owned_coupon_or_404(get_owned_store_or_404(request.user, slug), pk)
        return Response(CouponSerializer(coupon).data)

    @extend_schema(
        tags=["coupons"],
        summary="Change a coupon",
        request=CouponWriteSerializer,
        responses={200: CouponSerializer, 400: OpenApiResponse(description="`{field: [message]}`")},
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        coupon = _owned_coupon_or_404(get_owned_store_or_404(request.user, slug), pk)
        serializer = CouponWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        coupon = services.coupon_update(coupon=coupon, **serializer.validated_data)
        return Response(CouponSerializer(coupon).data)

    @extend_schema(
        tags=["coupons"], summary="Remove a coupon (orders keep its code and discount)", responses={204: None}
    )
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        services.coupon_delete(coupon=_owned_coupon_or_404(get_owned_store_or_404(request.user, slug), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
