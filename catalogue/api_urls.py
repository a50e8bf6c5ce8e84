from django.urls import path

from catalogue import api

urlpatterns = [
    path("stores/<slug:slug>/catalog/", api.StoreCatalogView.as_view(), name="api-store-catalog"),
]
