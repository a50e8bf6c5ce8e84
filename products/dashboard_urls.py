from django.urls import path

from products import dashboard_views as views

app_name = "products_dashboard"

urlpatterns = [
    path("<slug:slug>/products/", views.product_list, name="product_list"),
    path("<slug:slug>/products/add/", views.product_add, name="product_add"),
    path("<slug:slug>/products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("<slug:slug>/products/<int:pk>/variants/", views.product_variants_page, name="product_variants"),
    path("<slug:slug>/products/<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("<slug:slug>/products/<int:pk>/toggle/", views.product_toggle, name="product_toggle"),
    path("<slug:slug>/products/<int:pk>/move/", views.product_move, name="product_move"),
    path("<slug:slug>/categories/", views.category_list, name="category_list"),
    path("<slug:slug>/categories/add/", views.category_add, name="category_add"),
    path("<slug:slug>/categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("<slug:slug>/categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("<slug:slug>/categories/<int:pk>/move/", views.category_move, name="category_move"),
]
