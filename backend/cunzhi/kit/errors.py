"""Domain errors and their one HTTP shape: application/problem+json (RFC 9457) with a stable code."""

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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


# PostgreSQL refusing a value the request carried (SQLSTATE class 22, data exception; 22000 is also
# what asyncpg raises for a parameter it cannot encode, e.g. an integer beyond int4) or a write that
# breaks a constraint (class 23). Both are the client's input, so a 4xx, never a 500: the request's
# transaction is rolled back first, nothing of it is kept.
_DATA_DETAILS = {
    "22001": "A text is longer than allowed",
    "22003": "A number is out of range",
    "22007": "A date or time is not valid",
    "22008": "A date or time is out of range",
    "22021": "A text contains a character that cannot be stored",
    "22P02": "A value has the wrong form",
}
_INTEGRITY_DETAILS = {
    "23502": "A required value is missing",
    "23503": "Refers to something that does not exist, or is still referred to",
    "23505": "Already exists",
    "23514": "Breaks a rule on the stored data",
    "23P01": "Overlaps with existing data",
}


def sqlstate(exc: DBAPIError) -> str:
    orig = exc.orig
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


def database_refusal(exc: DBAPIError) -> tuple[int, str, str, str] | None:
    """(status, code, title, detail) for a database error caused by the request's data, or None for
    a server fault: what `database_problem` answers, for callers that answer per item (a batch)."""
    state = sqlstate(exc)
    if state.startswith("22"):
        return 422, "validation_error", "The request is not valid", _DATA_DETAILS.get(
            state, "A value is out of range or not valid")
    if state.startswith("23"):
        return 409, "conflict", "Conflicts with the current state", _INTEGRITY_DETAILS.get(
            state, "Conflicts with stored data")
    return None


def database_problem(exc: DBAPIError) -> JSONResponse | None:
    """The 4xx for a database error caused by the request's data, or None for a server fault."""
    refusal = database_refusal(exc)
    return problem(*refusal) if refusal is not None else None


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDetails",
    "type": "object",
    "description": "RFC 9457 problem details with a stable `code`; `errors` lists field problems.",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable error code, e.g. not_found, validation_error"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemFieldError"}},
    },
    "additionalProperties": True,
}
FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ProblemFieldError",
    "type": "object",
    "required": ["loc", "msg"],
    "properties": {
        "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
        "type": {"type": ["string", "null"]},
    },
    "additionalProperties": True,
}
_PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


IF_MATCH_NOTE = ("Send `If-Match` with the ETag of your last read of this record: without it the answer is 428 "
                 "`precondition_required`; when someone changed the record since, 412 `precondition_failed` "
                 "(read it again, then apply your change to what you read).")


def _require_if_match(operation: dict[str, Any], responses: dict[str, Any]) -> None:
    """An update taking If-Match answers 428 without it (kit.etag.expected_version): the header is
    optional for FastAPI only so that its absence is our 428 rather than a 422. The contract says
    what a client must send."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name", "").lower() == "if-match":
            parameter["required"] = True
            parameter["schema"] = {"type": "string", "title": "If-Match", "examples": ['W/"1"']}
            responses.setdefault("428", {"description": "If-Match missing"})
            responses.setdefault("412", {"description": "Stale If-Match"})
            if IF_MATCH_NOTE not in operation.get("description", ""):
                operation["description"] = "\n\n".join(x for x in (operation.get("description"), IF_MATCH_NOTE) if x)


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """Make the contract say what the app does: every error is application/problem+json.

    FastAPI documents 422 as its own `HTTPValidationError` JSON, which the app never sends. Each
    operation's documented 4xx/5xx get the Problem schema, and `4XX` covers the client errors a
    route does not list (401, 403, 404, 413, ...). Changes `spec` in place and returns it.
    """
    for item in spec.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            _require_if_match(operation, responses)
            for status, response in responses.items():
                if status[:1] in ("4", "5") and (status == "422" or "content" not in response):
                    response["content"] = dict(_PROBLEM_CONTENT)
                    if status == "422":
                        response["description"] = "Validation error (field problems in `errors`)"
            responses.setdefault("4XX", {"description": "Client error: application/problem+json with a stable `code`",
                                         "content": dict(_PROBLEM_CONTENT)})
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["ProblemDetails"] = PROBLEM_SCHEMA
    schemas["ProblemFieldError"] = FIELD_ERROR_SCHEMA
    text = json.dumps(spec)
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in schemas and f'"#/components/schemas/{unused}"' not in text:
            del schemas[unused]
            text = json.dumps(spec)
    return spec


def install(app: FastAPI) -> None:
    openapi = app.openapi

    def openapi_with_problems() -> dict[str, Any]:
        documented = app.openapi_schema is not None
        spec = openapi()
        return spec if documented else document_problems(spec)

    app.openapi = openapi_with_problems  # type: ignore[method-assign]

    @app.exception_handler(DBAPIError)
    async def _database(_: Request, exc: DBAPIError) -> JSONResponse:
        response = database_problem(exc)
        if response is None:
            raise exc
        import logging

        logging.getLogger("cunzhi").warning("request refused by the database: SQLSTATE %s", sqlstate(exc))
        return response

    @app.exception_handler(PoolTimeout)
    async def _pool_busy(_: Request, exc: PoolTimeout) -> JSONResponse:
        # Every connection of the pool was out for the pool's whole timeout: an overload, not a bug.
        # Nothing was written (an idempotent POST keeps no answer for a 5xx), so the client retries.
        import logging

        logging.getLogger("cunzhi").warning("no database connection came free in time: answered 503")
        return problem(503, "database_busy", "The database is busy",
                       "No database connection came free in time; try again shortly", headers={"Retry-After": "1"})

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
