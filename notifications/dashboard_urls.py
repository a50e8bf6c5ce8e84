from django.urls import path

from notifications import dashboard_views

app_name = "notifications_dashboard"

urlpatterns = [
    path("<slug:slug>/notifications/", dashboard_views.notification_center, name="center"),
    path(
        "<slug:slug>/notifications/<int:pk>/resend/",
        dashboard_views.notification_resend,
        name="resend",
    ),
]
