"""The public catalogue API: what a storefront app shows, straight from the shared catalogue."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.selectors import get_catalogue
from stores.serializers import ApiDetailSerializer


class StoreCatalogView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["storefront"],
        summary="The public catalogue of a store (store, categories, active products)",
        responses={200: OpenApiTypes.OBJECT, 404: ApiDetailSerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        catalogue = get_catalogue(slug)
        if catalogue is None:
            raise Http404("No such store.")
        return Response(catalogue)
