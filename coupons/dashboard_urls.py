from django.urls import path

from coupons import dashboard_views as views

app_name = "coupons_dashboard"

urlpatterns = [
    path("<slug:slug>/coupons/", views.coupon_list, name="coupon_list"),
    path("<slug:slug>/coupons/add/", views.coupon_edit, name="coupon_add"),
    path("<slug:slug>/coupons/<int:pk>/edit/", views.coupon_edit, name="coupon_edit"),
    path("<slug:slug>/coupons/<int:pk>/delete/", views.coupon_delete, name="coupon_delete"),
]
