from django.urls import path

from payments import api

app_name = "payments_api"

urlpatterns = [
    path("payments/webhooks/<slug:provider>/", api.WebhookView.as_view(), name="webhook"),
]
