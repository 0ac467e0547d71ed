"""Every API error is one JSON shape: the problem object.

``{"status": 409, "code": "transition_refused", "title": "Conflict", "detail": "<why>"}``;
``code`` is stable for machines, ``detail`` is the sentence for people (for a refused
workflow move it is the guard's own message). Validation problems add ``errors``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from vulndesk.api.auth import InsufficientScope, RateLimited, Unauthenticated
from vulndesk.core.errors import (
    ApplicationError,
    NotFound,
    PermissionDenied,
    TransitionRefused,
    ValidationFailed,
)


class Problem(Schema):
    status: int
    code: str
    title: str
    detail: str
    errors: list[dict[str, Any]] | None = None


ERROR_CODES = frozenset({400, 401, 403, 404, 409, 422, 429})

STATUS_FOR: list[tuple[type[ApplicationError], int]] = [
    (Unauthenticated, 401),
    (InsufficientScope, 403),
    (RateLimited, 429),
    (NotFound, 404),
    (PermissionDenied, 403),
    (TransitionRefused, 409),
    (ValidationFailed, 422),
]


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "status": status,
        "code": code,
        "title": HTTPStatus(status).phrase,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn every error into a problem object."""

    def application_error(request: HttpRequest, exc: Any) -> HttpResponse:
        status = next((s for cls, s in STATUS_FOR if isinstance(exc, cls)), 409)
        response = problem(api, request, status=status, code=exc.code, detail=exc.message)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {
                "loc": [str(part) for part in e.get("loc", [])],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid input"}
        where = ".".join(first["loc"][1:] or first["loc"]) or "input"
        return problem(
            api,
            request,
            status=422,
            code="invalid",
            detail=f"Invalid {where}: {first['msg']}.",
            errors=errors,
        )

    def authentication_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(
            api,
            request,
            status=401,
            code="unauthenticated",
            detail="This endpoint needs a valid API token: 'Authorization: Bearer <token>'.",
        )

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        status = exc.status_code
        code = {400: "bad_request", 404: "not_found"}.get(status, "error")
        return problem(api, request, status=status, code=code, detail=str(exc))

    api.add_exception_handler(ApplicationError, application_error)
    api.add_exception_handler(NinjaValidationError, validation_error)
    api.add_exception_handler(AuthenticationError, authentication_error)
    api.add_exception_handler(HttpError, http_error)
