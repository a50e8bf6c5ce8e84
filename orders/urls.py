from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("o/<str:token>/", views.order_status, name="order_status"),
    path("<slug:slug>/cart/", views.cart, name="cart"),
    path("<slug:slug>/cart/add/", views.cart_add, name="cart_add"),
    path("<slug:slug>/checkout/", views.checkout, name="checkout"),
]
