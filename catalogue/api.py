"""The public catalogue API: what a storefront app shows, straight from the shared catalogue."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from catalogue.views import shared_answer
from stores.serializers import ApiDetailSerializer


def _catalogue_json(catalogue: dict) -> HttpResponse:
    body = json.dumps(catalogue, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), content_type="application/json")


class StoreCatalogView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # One representation (JSON), so one stored answer serves every client.
    renderer_classes = [JSONRenderer]

    @extend_schema(
        tags=["storefront"],
        summary="The public catalogue of a store (store, categories, active products)",
        responses={200: OpenApiTypes.OBJECT, 404: ApiDetailSerializer},
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        response = shared_answer(request._request, slug, "api", _catalogue_json)
        if response.status_code == 404:
            # The storefront's 404 is a page; the API's is JSON like every API error.
            shared = response["Cache-Control"]
            response = JsonResponse({"detail": "No such store."}, status=404)
            response["Cache-Control"] = shared
        return response
