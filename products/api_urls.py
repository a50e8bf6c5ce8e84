from django.urls import path

from products import api

urlpatterns = [
    path("stores/<slug:slug>/categories/", api.CategoryListCreateView.as_view(), name="api-category-list"),
    path(
        "stores/<slug:slug>/categories/<int:pk>/",
        api.CategoryDetailView.as_view(),
        name="api-category-detail",
    ),
    path("stores/<slug:slug>/products/", api.ProductListCreateView.as_view(), name="api-product-list"),
    path("stores/<slug:slug>/products/<int:pk>/", api.ProductDetailView.as_view(), name="api-product-detail"),
    path(
        "stores/<slug:slug>/products/<int:product_pk>/variants/",
        api.VariantListCreateView.as_view(),
        name="api-variant-list",
    ),
    path(
        "stores/<slug:slug>/products/<int:product_pk>/variants/<int:pk>/",
        api.VariantDetailView.as_view(),
        name="api-variant-detail",
    ),
]
