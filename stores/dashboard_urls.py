from django.urls import path

from stores import dashboard_views as views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_phone, name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("stores/new/", views.store_new, name="store_new"),
    path("<slug:slug>/settings/", views.store_settings, name="store_settings"),
    path("<slug:slug>/delivery/", views.store_delivery, name="store_delivery"),
    path("<slug:slug>/delivery/charges/add/", views.charge_add, name="charge_add"),
    path("<slug:slug>/delivery/charges/<int:pk>/", views.charge_change, name="charge_change"),
    path("<slug:slug>/qr.svg", views.qr_download, name="store_qr"),
    path("<slug:slug>/qr.png", views.qr_png_download, name="store_qr_png"),
    path("<slug:slug>/poster/", views.store_poster, name="store_poster"),
]
