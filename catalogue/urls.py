from django.urls import path

from catalogue import views

app_name = "storefront"

urlpatterns = [
    path("<slug:slug>/", views.store, name="store"),
    path("<slug:slug>/p/<int:product_id>/", views.product, name="product"),
]
