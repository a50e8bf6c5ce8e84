from django.urls import path

from orders import api

app_name = "orders_api"

urlpatterns = [
    path("stores/<slug:slug>/orders/<int:number>/", api.StoreOrderDetailView.as_view(), name="store_order"),
    path(
        "stores/<slug:slug>/orders/<int:number>/invoice.pdf",
        api.StoreOrderInvoiceView.as_view(),
        name="store_order_invoice",
    ),
]
