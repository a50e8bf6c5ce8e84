"""Seller API for products and categories: /api/v1/stores/<slug>/products/ and /categories/."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dukaan.http.body_limits import MULTIPART_OVERHEAD_BYTES, body_exceeds
from dukaan.http.parsers import JSONParser
from products import services
from products.images import too_large_message
from products.models import Category, Product, ProductVariant
from products.search import normalize_query, search_product_ids
from products.selectors import (
    PRODUCT_SORTS,
    list_store_categories,
    list_store_products,
    product_variants,
    products_in_id_order,
)
from products.serializers import (
    CategorySerializer,
    ProductSerializer,
    ProductWriteSerializer,
    VariantSerializer,
    VariantWriteSerializer,
)
from products.services import UNSET
from products.variants import variant_create, variant_delete, variant_update
from stores.access import get_owned_store_or_404
from stores.models import Store

MAX_API_QUERY_CHARS = 200
MAX_DB_ID = 2**63 - 1  # the largest BigAutoField value
API_ORDERINGS = {"position": "position", "price": "price_asc", "-price": "price_desc", "newest": "newest"}


class StoreScopedMixin:
    """Everything here belongs to one store the caller owns; anyone else's store is a 404."""

    request: Request
    kwargs: dict

    def get_store(self) -> Store:
        if not hasattr(self, "_store"):
            self._store = get_owned_store_or_404(self.request.user, self.kwargs["slug"])
        return self._store

    def initial(self, request: Request, *args, **kwargs) -> None:
        # Refuse an oversized upload from its declared length, before the body is read at all.
        # Before authentication: session authentication's CSRF check reads request.POST (the
        # whole body) for a POST. The answer says nothing about the store, so anyone may get it.
        max_bytes = settings.DUKAAN_MAX_UPLOAD_BYTES
        if body_exceeds(request, max_bytes + MULTIPART_OVERHEAD_BYTES):
            raise ValidationError({"image": [too_large_message(max_bytes)]})
        super().initial(request, *args, **kwargs)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()  # type: ignore[misc]
        if self.kwargs.get("slug"):
            context["store"] = self.get_store()
        return context


PRODUCT_WRITE_REQUEST = {
    "multipart/form-data": ProductWriteSerializer,
    "application/json": ProductWriteSerializer,
}


@extend_schema_view(
    get=extend_schema(
        summary="List the store's products",
        parameters=[
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                enum=list(API_ORDERINGS),
                description="Sort order (default position).",
            ),
            OpenApiParameter("q", OpenApiTypes.STR, description="Search text (at most 200 characters)."),
            OpenApiParameter("category", OpenApiTypes.INT, description="Only products of this category."),
        ],
        responses=ProductSerializer(many=True),
    ),
    post=extend_schema(
        summary="Add a product (multipart with an `image` file, or JSON without one)",
        request=PRODUCT_WRITE_REQUEST,
        responses={201: ProductSerializer},
    ),
)
class ProductListCreateView(StoreScopedMixin, generics.ListCreateAPIView):
    serializer_class = ProductSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        store = self.get_store()
        params = self.request.query_params
        errors: dict[str, list[str]] = {}
        ordering = params.get("ordering", "")
        if ordering and ordering not in API_ORDERINGS:
            errors["ordering"] = [f"Ordering must be one of: {', '.join(API_ORDERINGS)}."]
        raw_query = params.get("q", "")
        if len(raw_query) > MAX_API_QUERY_CHARS:
            errors["q"] = [f"Search text can be at most {MAX_API_QUERY_CHARS} characters."]
        category_id = None
        if params.get("category"):
            try:
                category_id = int(params["category"])
            except ValueError:
                errors["category"] = ["Category must be a category id."]
            else:
                # An id no database column can hold matches nothing (SQLite would raise OverflowError).
                if not 1 <= category_id <= MAX_DB_ID:
                    errors["category"] = ["Category must be a category id."]
        if errors:
            raise ValidationError(errors)
        query = normalize_query(raw_query)
        if query:
            ids = search_product_ids(store.pk, query, active_only=False)
            products = products_in_id_order(ids)
            if category_id is not None:
                products = products.filter(category_id=category_id)
            if ordering:
                products = products.order_by(*_order_fields(ordering))
            return products
        return list_store_products(
            store.pk, sort=API_ORDERINGS[ordering or "position"], category_id=category_id, active_only=False
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        store = self.get_store()
        serializer = ProductWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = services.product_create(
            store=store,
            name=data["name"],
            price=data["price"],
            mrp=data.get("mrp"),
            description=data.get("description", ""),
            category=data.get("category"),
            stock=data.get("stock"),
            is_active=data.get("is_active", True),
            image=data.get("image"),
        )
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


def _order_fields(ordering: str) -> tuple[str, ...]:
    return PRODUCT_SORTS[API_ORDERINGS[ordering]]


@extend_schema_view(
    get=extend_schema(summary="One product", responses=ProductSerializer),
    patch=extend_schema(
        summary="Change a product (multipart to replace the photo; `image: null` in JSON removes it)",
        request=PRODUCT_WRITE_REQUEST,
        responses=ProductSerializer,
    ),
    delete=extend_schema(summary="Delete a product", responses={204: None}),
)
class ProductDetailView(StoreScopedMixin, generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ProductSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self) -> Product:
        return get_object_or_404(Product, store=self.get_store(), pk=self.kwargs["pk"])

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        product = self.get_object()
        serializer = ProductWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes = {key: data.get(key, UNSET) for key in ProductWriteSerializer().fields}
        changes = {key: value for key, value in changes.items() if value is not UNSET}
        if "name" in data and data["name"] is None:
            raise ValidationError({"name": ["Name is required."]})
        if "price" in data and data["price"] is None:
            raise ValidationError({"price": ["Price is required."]})
        updated = services.product_update(product=product, **changes)
        return Response(ProductSerializer(updated).data)

    def perform_destroy(self, instance: Product) -> None:
        services.product_delete(product=instance)


@extend_schema_view(
    get=extend_schema(summary="List the store's categories", responses=CategorySerializer(many=True)),
    post=extend_schema(
        summary="Add a category", request=CategorySerializer, responses={201: CategorySerializer}
    ),
)
class CategoryListCreateView(StoreScopedMixin, generics.ListCreateAPIView):
    serializer_class = CategorySerializer

    def get_queryset(self):
        return list_store_categories(self.get_store().pk)

    def perform_create(self, serializer: CategorySerializer) -> None:
        serializer.instance = services.category_create(
            store=self.get_store(), name=serializer.validated_data["name"]
        )


@extend_schema_view(
    get=extend_schema(summary="One category", responses=CategorySerializer),
    patch=extend_schema(
        summary="Rename a category", request=CategorySerializer, responses=CategorySerializer
    ),
    delete=extend_schema(
        summary="Delete a category (its products stay, without a category)", responses={204: None}
    ),
)
class CategoryDetailView(StoreScopedMixin, generics.RetrieveUpdateDestroyAPIView):
    serializer_class = CategorySerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self) -> Category:
        return get_object_or_404(Category, store=self.get_store(), pk=self.kwargs["pk"])

    def perform_update(self, serializer: CategorySerializer) -> None:
        if "name" in serializer.validated_data:
            serializer.instance = services.category_update(
                category=serializer.instance, name=serializer.validated_data["name"]
            )

    def perform_destroy(self, instance: Category) -> None:
        services.category_delete(category=instance)


def _owned_product_or_404(view: StoreScopedMixin) -> Product:
    return get_object_or_404(Product, store=view.get_store(), pk=view.kwargs["product_pk"])


class VariantListCreateView(StoreScopedMixin, APIView):
    """A product's variants (SPEC section 7): another seller's product is a 404, like the product."""

    parser_classes = [JSONParser]

    @extend_schema(
        tags=["variants"], summary="The product's variants", responses={200: VariantSerializer(many=True)}
    )
    def get(self, request: Request, slug: str, product_pk: int) -> Response:
        product = _owned_product_or_404(self)
        return Response(VariantSerializer(product_variants(product), many=True).data)

    @extend_schema(
        tags=["variants"],
        summary='Add a variant, e.g. {"options": {"Size": "M"}, "price": "499", "stock": 5}',
        request=VariantWriteSerializer,
        responses={201: VariantSerializer, 400: OpenApiResponse(description="`{field: [message]}`")},
    )
    def post(self, request: Request, slug: str, product_pk: int) -> Response:
        product = _owned_product_or_404(self)
        serializer = VariantWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        variant = variant_create(product=product, **serializer.validated_data)
        return Response(VariantSerializer(variant).data, status=status.HTTP_201_CREATED)


class VariantDetailView(StoreScopedMixin, APIView):
    parser_classes = [JSONParser]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def _variant(self) -> ProductVariant:
        product = _owned_product_or_404(self)
        return get_object_or_404(ProductVariant, product=product, pk=self.kwargs["pk"])

    @extend_schema(tags=["variants"], summary="One variant", responses={200: VariantSerializer})
    def get(self, request: Request, slug: str, product_pk: int, pk: int) -> Response:
        return Response(VariantSerializer(self._variant()).data)

    @extend_schema(
        tags=["variants"],
        summary="Change a variant (the product's price and stock follow)",
        request=VariantWriteSerializer,
        responses={200: VariantSerializer, 400: OpenApiResponse(description="`{field: [message]}`")},
    )
    def patch(self, request: Request, slug: str, product_pk: int, pk: int) -> Response:
        variant = self._variant()
        serializer = VariantWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(VariantSerializer(variant_update(variant=variant, **serializer.validated_data)).data)

    @extend_schema(
        tags=["variants"], summary="Remove a variant (orders keep their lines)", responses={204: None}
    )
    def delete(self, request: Request, slug: str, product_pk: int, pk: int) -> Response:
        variant_delete(variant=self._variant())
        return Response(status=status.HTTP_204_NO_CONTENT)
