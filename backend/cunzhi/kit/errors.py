"""Domain errors and their one HTTP shape: application/problem+json (RFC 9457) with a stable code."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """Raised by services. `code` is stable: the SPA and township systems translate it."""

    status = 400
    code = "bad_request"
    title = "Bad request"
    # True: the request's writes so far are committed although the answer is this error.
    keep_writes = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        keep_writes: bool = False,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}
        self.keep_writes = keep_writes


class NotAuthenticated(DomainError):
    status, code, title = 401, "not_authenticated", "Authentication required"


class InvalidToken(DomainError):
    status, code, title = 401, "invalid_token", "The token is invalid or has expired"


class InvalidCredentials(DomainError):
    status, code, title = 401, "invalid_credentials", "Wrong username or password"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Not allowed for your role"


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflicts with the current state"


class IllegalTransition(Conflict):
    code, title = "illegal_transition", "This status change is not allowed"


class PreconditionFailed(DomainError):
    status, code, title = 412, "precondition_failed", "The record was changed by someone else"


class PreconditionRequired(DomainError):
    status, code, title = 428, "precondition_required", "If-Match header with the ETag is required"


class Unprocessable(DomainError):
    status, code, title = 422, "validation_error", "The request is not valid"


class TooManyAttempts(DomainError):
    status, code, title = 429, "too_many_attempts", "Too many attempts; try again later"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("not_authenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    413: ("payload_too_large", "Request body too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
}


def _jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        out.append({"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg")), "type": e.get("type")})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail, exc.errors, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, "validation_error", "The request is not valid", errors=_jsonable_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = _HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(exc.status_code, code, title, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        import logging

        logging.getLogger("cunzhi").exception("unhandled error", exc_info=exc)
        return problem(500, "internal_error", "Internal server error")
