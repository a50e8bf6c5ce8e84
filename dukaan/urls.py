"""The URL map: the one module of the project package that names the domain apps."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from dukaan.http import health

api_v1 = [
    path("", include("stores.api_urls")),
    path("", include("products.api_urls")),
    path("", include("catalogue.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("checkout.api_urls")),
    path("", include("payments.api_urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include(api_v1)),
    path("dashboard/", include("stores.dashboard_urls")),
    path("dashboard/", include("products.dashboard_urls")),
    path("dashboard/", include("orders.dashboard_urls")),
    path("dashboard/", include("payments.dashboard_urls")),
    path("", include("payments.urls")),
    path("", include("checkout.urls")),
    path("", include("stores.urls")),
    # Last: the root-level store link, mydukaan.io/<slug>/.
    path("", include("catalogue.urls")),
]

if settings.DEBUG and not settings.AWS_STORAGE_BUCKET_NAME:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "dukaan.http.api_errors.not_found"  # JSON under /api/, else the site's 404 page
