"""Notifications API for sellers: which kinds a store sends, and what it sent."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.models import Notification, Status
from notifications.serializers import (
    NotificationSerializer,
    NotificationSettingsSerializer,
    NotificationSettingsUpdateSerializer,
)
from stores.access import get_owned_store_or_404


class StoreNotificationSettingsView(APIView):
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(tags=["notifications"], responses={200: NotificationSettingsSerializer})
    def get(self, request: Request, slug: str) -> Response:
        store = get_owned_store_or_404(request.user, slug)
        return Response(
            NotificationSettingsSerializer(selectors.store_notification_settings(store=store)).data
        )

    @extend_schema(
        tags=["notifications"],
        summary="Turn kinds of notification on or off",
        request=NotificationSettingsUpdateSerializer,
        responses={200: NotificationSettingsSerializer},
    )
    def patch(self, request: Request, slug: str) -> Response:
        store = get_owned_store_or_404(request.user, slug)
        serializer = NotificationSettingsUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        prefs = services.notification_settings_update(store=store, **serializer.validated_data)
        return Response(NotificationSettingsSerializer(prefs).data)


class StoreNotificationListView(ListAPIView):
    """GET: the store's notifications, newest first; `?status=failed` for those not delivered."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        store = get_owned_store_or_404(self.request.user, self.kwargs["slug"])
        status = self.request.query_params.get("status") or None
        if status and status not in Status.values:
            raise ValidationError({"status": "Unknown status. Use one of: " + ", ".join(Status.values) + "."})
        return selectors.store_notifications(store=store, status=status)

    @extend_schema(
        tags=["notifications"],
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=Status.values)],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return self.list(request, *args, **kwargs)
