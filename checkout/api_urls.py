from django.urls import path

from checkout import api

app_name = "checkout_api"

urlpatterns = [
    path("stores/<slug:slug>/orders/", api.StoreOrdersView.as_view(), name="store_orders"),
    path("stores/<slug:slug>/quote/", api.QuoteView.as_view(), name="store_quote"),
    path("orders/<str:token>/", api.CustomerOrderView.as_view(), name="order_by_token"),
]
