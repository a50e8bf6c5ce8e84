from django.urls import path

from stores import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:slug>/", views.store, name="store"),
    path("<slug:slug>/p/<int:product_id>/", views.product, name="product"),
]
