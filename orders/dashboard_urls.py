from django.urls import path

from orders import dashboard_views

app_name = "orders_dashboard"

urlpatterns = [
    path("<slug:slug>/orders/", dashboard_views.order_list, name="order_list"),
    path("<slug:slug>/orders/<int:number>/", dashboard_views.order_detail, name="order_detail"),
    path("<slug:slug>/orders/<int:number>/invoice.pdf", dashboard_views.order_invoice, name="order_invoice"),
]
