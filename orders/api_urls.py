from django.urls import path

from orders import api

app_name = "orders_api"

urlpatterns = [
    path("stores/<slug:slug>/orders/", api.StoreOrdersView.as_view(), name="store_orders"),
    path("stores/<slug:slug>/orders/<int:number>/", api.StoreOrderDetailView.as_view(), name="store_order"),
    path("orders/<str:token>/", api.CustomerOrderView.as_view(), name="order_by_token"),
]
