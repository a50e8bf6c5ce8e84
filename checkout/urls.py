from django.urls import path

from checkout import views

app_name = "checkout"

urlpatterns = [
    path("o/<str:token>/", views.order_status, name="order_status"),
    path("o/<str:token>/invoice.pdf", views.order_invoice, name="order_invoice"),
    path("pay/order/<str:token>/", views.pay_order, name="pay_order"),
    path("<slug:slug>/cart/", views.cart, name="cart"),
    path("<slug:slug>/cart/add/", views.cart_add, name="cart_add"),
    path("<slug:slug>/checkout/", views.checkout, name="checkout"),
]
