"""DomainRouter: a domain's APIRouter that a request outside its prefix passes by at once.

FastAPI finds a request's route by asking every included router in turn, and each router asks every
one of its routes (a regular expression and some bookkeeping per route), twice for the router that
matches. With some 300 operations that walk cost more than a whole single-village read: a request for
a village went past every route of auth, users and divisions first, and a 404 past all of them, about
2 ms of CPU. Every route of a router lives under the router's prefix (FastAPI joins them), so a path
that does not start with the prefix's literal part (up to its first path parameter) matches none of
its routes and the router can say so without asking them. What a path under the prefix finds is
unchanged: the same route, the same 405 for another method, the same slash redirect.

And the router that matches is asked only once: FastAPI (this pinned version) walks its routes when the
app asks whether it matches, and again when it hands the request on. The route the first walk found
is kept in the request's scope and handed the request as FastAPI's second walk would have; anything
but a plain API route found in full goes through FastAPI's own way.

Every domain router is one (main.py includes them at the root, with no prefix of its own).

DirectRoute is the route class of the hottest reads and the dashboard panels (see its docstring).
"""

from collections.abc import Awaitable, Callable, Coroutine
from copy import deepcopy
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import (
    _FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY,
    APIRoute,
    _effective_route_context_var,
    _get_fastapi_scope,
    _get_scope_included_router,
    _IncludedRouter,
    _update_scope,
)
from fastapi.telemetry._api import _route_selected
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

# Where a DomainRouter keeps the route its match found, for its handle() just after.
_FOUND = "cunzhi.found_route"


class DomainRouter(APIRouter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.prefix:
            raise ValueError("a DomainRouter has a prefix: its routes live under it")
        # The part before any path parameter: /api/v1/api-clients/{client_id}/webhooks -> /api/v1/api-clients/
        self.literal_prefix = self.prefix.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = get_route_path(scope)
        if not path.startswith(self.literal_prefix):
            return Match.NONE, {}
        included = _get_scope_included_router(scope)
        if not isinstance(included, _IncludedRouter) or included.original_router is not self:
            return super().matches(scope)
        match, child_scope, route, context = included._match(scope)
        if match is Match.FULL and isinstance(route, APIRoute) and context is not None:
            scope[_FOUND] = (included, path, scope["method"], child_scope, route, context)
        return match, child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = scope.pop(_FOUND, None)
        if found is not None:
            included, path, method, child_scope, route, context = found
        if (found is None or included is not _get_scope_included_router(scope) or path != get_route_path(scope)
                or method != scope["method"]):
            return await super().handle(scope, receive, send)
        # What FastAPI's _IncludedRouter._handle_selected does with an API route it found.
        _update_scope(scope, child_scope)
        _route_selected(scope=scope, path=getattr(context.starlette_route, "path_format", None) or context.path_format,
                        mount=False)
        _get_fastapi_scope(scope)[_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY] = context
        scope["route"] = route
        await route.handle(scope, receive, send)

    def direct_get(self, path: str, *, first: Callable[[Request], Awaitable[Any]] | None = None,
                   **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """`@router.get(path, ...)` for a DirectRoute (FastAPI's decorators take no route class).
        `first(request)` is awaited before any parameter is validated: what a dependency of the route
        would have done first (finding the caller, so a request without a token is 401 whatever it asks)."""
        route_class = DirectRoute if first is None else type("DirectRoute", (DirectRoute,), {"first": staticmethod(first)})

        def decorator(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_route(path, endpoint, methods=["GET"], route_class_override=route_class, **kwargs)
            return endpoint

        return decorator


class DirectRoute(APIRoute):
    """A route whose endpoint takes only path parameters, single-valued query parameters (and the
    Request) and returns a Response: FastAPI's request handler is kept for the contract and for any
    request it has to refuse, but a request whose parameters validate goes to the endpoint directly.

    For such a route FastAPI's handler solves no dependency and serialises nothing (a Response is
    sent as it is), yet per request it still builds the dependency solution (an empty Response for
    headers, the header and cookie lookups of parameters the route has none of, the error lists, each
    query parameter's kind worked out again), as much CPU as the single-village read's own work. Here
    each parameter is validated by the very field FastAPI would validate it with, an absent query
    parameter taking its default as FastAPI's does; when one fails, FastAPI's handler runs instead and
    answers exactly as it would have (its 422), so no input reaches the endpoint that FastAPI would
    have refused. Declaring anything else (a dependency, a list or model query parameter, one read
    under several names, a body) is a TypeError at startup: such a route needs FastAPI's handler.

    `first` (see DomainRouter.direct_get) runs before the parameters are validated, on every request."""

    first: Callable[[Request], Awaitable[Any]] | None = None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        full = super().get_route_handler()
        # As APIRoute does: an included route is built with its inclusion's context (its
        # dependencies, those of the routers it was included through).
        context = _effective_route_context_var.get()
        dependant: Dependant = (context.dependant if context is not None and context.original_route is self
                                else self.dependant)
        _check_direct(self.path, dependant)
        call = dependant.call
        assert call is not None
        fields = [(f.name, f.alias, f) for f in dependant.path_params]
        query = [(f.name, f.alias, f, f.field_info.is_required(), bool(f.field_info.validate_default))
                 for f in dependant.query_params]
        request_name = dependant.request_param_name
        first = self.first

        async def handler(request: Request) -> Response:
            if first is not None:
                await first(request)
            params = request.path_params
            values: dict[str, Any] = {}
            for name, alias, field in fields:
                value, errors = field.validate(params[alias], loc=("path", alias))
                if errors:
                    return await full(request)  # FastAPI's own answer to the bad parameter
                values[name] = value
            if query:
                received, given = request.query_params, {}
                for name, alias, field, required, validate_default in query:
                    raw = received.get(alias)
                    if raw is None:  # absent: the default, as FastAPI gives it (validated if asked)
                        if required:
                            return await full(request)
                        value = deepcopy(field.default)
                        if not validate_default:
                            values[name] = given[name] = value
                            continue
                    else:
                        value = raw
                    value, errors = field.validate(value, given, loc=("query", alias))
                    if errors:
                        return await full(request)
                    values[name] = given[name] = value
            if request_name is not None:
                values[request_name] = request
            response = await call(**values)
            if not isinstance(response, Response):
                raise TypeError(f"{self.path}: a DirectRoute's endpoint returns a Response")
            return response

        return handler


def _plain_query(field: Any) -> bool:
    """A query parameter read as FastAPI reads it with `query_params.get(alias)`: one value, no model,
    no JSON, no other alias to look under."""
    from fastapi._compat import field_annotation_is_sequence
    from fastapi.dependencies.utils import _get_param_aliases, _get_param_model, _is_json_field

    return (_get_param_model(field) is None and not _is_json_field(field)
            and not field_annotation_is_sequence(field.field_info.annotation)
            and _get_param_aliases(field) == [(field.alias, field.alias)])


def _check_direct(path: str, d: Dependant) -> None:
    import inspect

    others = [kind for kind, present in (
        ("dependencies", d.dependencies), ("list, model or many-named query parameters",
                                           [f for f in d.query_params if not _plain_query(f)]),
        ("headers", d.header_params),
        ("cookies", d.cookie_params), ("a body", d.body_params), ("a websocket", d.websocket_param_name),
        ("a connection", d.http_connection_param_name), ("a Response", d.response_param_name),
        ("background tasks", d.background_tasks_param_name), ("security scopes", d.security_scopes_param_name),
    ) if present]
    if others or not inspect.iscoroutinefunction(d.call):
        raise TypeError(f"{path}: a DirectRoute's endpoint is a coroutine taking path and query parameters and the "
                        f"Request only, not {', '.join(others) or 'a plain function'}")
