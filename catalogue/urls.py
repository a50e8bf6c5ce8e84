from django.urls import path, re_path

from catalogue import share_views, views

app_name = "storefront"

urlpatterns = [
    path("<slug:slug>/", views.store, name="store"),
    path("<slug:slug>/p/<int:product_id>/", views.product, name="product"),
    re_path(
        r"^(?P<slug>[-\w]+)/share/(?P<key>[0-9a-f]{64})\.jpg$", share_views.share_card, name="share_card"
    ),
    path("<slug:slug>/manifest.webmanifest", share_views.store_manifest, name="manifest"),
]
