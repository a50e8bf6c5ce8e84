"""API errors always answer JSON with a readable message, never an HTML 500 page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
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
