from django.urls import path

from payments import dashboard_views

app_name = "payments_dashboard"

urlpatterns = [
    path(
        "<slug:slug>/orders/<int:number>/payment-received/",
        dashboard_views.payment_received,
        name="payment_received",
    ),
]
