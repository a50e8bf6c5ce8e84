from django.urls import path

from notifications import api

app_name = "notifications_api"

urlpatterns = [
    path("stores/<slug:slug>/notifications/", api.StoreNotificationListView.as_view(), name="list"),
    path(
        "stores/<slug:slug>/notification-settings/",
        api.StoreNotificationSettingsView.as_view(),
        name="settings",
    ),
]
