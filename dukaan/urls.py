"""The URL map: the one module of the project package that names the domain apps."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dukaan.http import health

api_v1 = [
    path("", include("stores.api_urls")),
    path("", include("products.api_urls")),
    path("", include("catalogue.api_urls")),
    path("", include("coupons.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("checkout.api_urls")),
    path("", include("payments.api_urls")),
    path("", include("notifications.api_urls")),
]

# Swagger UI: its configuration script served from here (the split view, not inline in the page);
# the UI itself comes from drf-spectacular's default CDN and keeps one inline <style> block.
_SWAGGER_CDN = "https://cdn.jsdelivr.net"
api_docs = csp_update(
    {
        "script-src": [_SWAGGER_CDN],
        "style-src": [_SWAGGER_CDN, "'unsafe-inline'"],
        "img-src": [_SWAGGER_CDN],
    }
)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/v1/", include(api_v1)),
    path("dashboard/", include("stores.dashboard_urls")),
    path("dashboard/", include("products.dashboard_urls")),
    path("dashboard/", include("orders.dashboard_urls")),
    path("dashboard/", include("coupons.dashboard_urls")),
    path("dashboard/", include("payments.dashboard_urls")),
    path("dashboard/", include("notifications.dashboard_urls")),
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
