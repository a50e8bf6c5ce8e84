from django.urls import path

from coupons import api

urlpatterns = [
    path("stores/<slug:slug>/coupons/", api.CouponListCreateView.as_view(), name="api-coupons"),
    path("stores/<slug:slug>/coupons/<int:pk>/", api.CouponDetailView.as_view(), name="api-coupon-detail"),
]
