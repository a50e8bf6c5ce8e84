"""API errors always answer JSON with a readable message, never an HTML 500 page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    if isinstance(exc, OSError):
        from dukaan.storage import StorageUnavailable  # imports boto3: only when an OSError happens

        if isinstance(exc, StorageUnavailable):
            # The media bucket failed (unreachable, denied, missing): nothing was saved, retry later.
            return Response(
                {"detail": str(exc)},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "30"},
            )
    response = drf_exception_handler(exc, context)
    is_bad_request = response is not None and response.status_code == status.HTTP_400_BAD_REQUEST
    if is_bad_request and isinstance(response.data, list):
        response.data = {"detail": response.data}
    return response


ERROR_SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "description": "One message for the whole request.",
    },
    "ValidationErrors": {
        "type": "object",
        "additionalProperties": {},
        "description": (
            'What was wrong, by field: `{"price": ["Price must be more than zero."]}`, '
            'or `{"detail": message}` for the request as a whole.'
        ),
    },
}


def _error(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every API operation documents the 4xx answers the
    exception handler above gives, so clients (and the schema-driven tests in tests/api_fuzz/)
    know their shape. Answers an operation documents itself are left as they are."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            security = operation.get("security", [])
            if "requestBody" in operation or operation.get("parameters"):
                responses.setdefault("400", _error("Bad input; nothing was changed.", "ValidationErrors"))
            if any("tokenAuth" in scheme for scheme in security):
                responses.setdefault(
                    "401", _error("Missing or invalid `Authorization: Token` header.", "ErrorDetail")
                )
            if security and {} not in security:
                responses.setdefault("403", _error("Not allowed.", "ErrorDetail"))
            paginated = any(param.get("name") == "page" for param in operation.get("parameters", []))
            if "{" in path or paginated:
                responses.setdefault(
                    "404", _error("No such store (or not yours), item or page.", "ErrorDetail")
                )
    return result


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404. A URL under /api/ that no route matches (e.g. a product id of "abc") is
    answered in JSON like every other API error; elsewhere, the site's own 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)
