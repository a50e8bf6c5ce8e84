from django.urls import path

from stores import api

urlpatterns = [
    path("auth/otp/request/", api.OtpRequestView.as_view(), name="api-otp-request"),
    path("auth/otp/verify/", api.OtpVerifyView.as_view(), name="api-otp-verify"),
    path("auth/logout/", api.LogoutView.as_view(), name="api-logout"),
    path("stores/", api.StoreListCreateView.as_view(), name="api-store-list"),
    path("stores/<slug:slug>/", api.StoreDetailView.as_view(), name="api-store-detail"),
    path("stores/<slug:slug>/charges/", api.StoreChargeListCreateView.as_view(), name="api-store-charges"),
    path(
        "stores/<slug:slug>/charges/<int:pk>/",
        api.StoreChargeDetailView.as_view(),
        name="api-store-charge-detail",
    ),
]
