"""deploy/nginx.conf's real answers: nginx runs with the shipped config (ports, root, upstream and the
snippet's path moved to a temporary folder) in front of a stand-in API, and every location must
send the security headers once: an add_header in a location drops the server block's, which is
why each location includes deploy/nginx-security-headers.conf. Skipped when nginx is not installed
(`make test` installs nginx-light)."""

import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cunzhi.main import CONTENT_SECURITY_POLICY

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)),
                                      None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (`make test` installs nginx-light)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


DOCS_POLICY = "default-src 'self'; script-src 'self' 'sha256-abc'"


class _FakeApi(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        # The real API sends its own copies: nginx must not send them twice, and keeps the docs
        # page's own policy (it allows the page's inline script by hash).
        policy = DOCS_POLICY if self.path == "/api/docs" else CONTENT_SECURITY_POLICY
        self.send_header("Content-Security-Policy", policy)
        self.send_header("X-Frame-Options", "DENY")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def nginx(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("nginx")
    # nginx's worker may run as another user (nobody) and must read the files.
    os.chmod(tmp, 0o755)  # noqa: S103
    html = tmp / "html"
    (html / "assets").mkdir(parents=True)
    (html / "m").mkdir()
    (html / "index.html").write_text("<!doctype html><title>desk</title>")
    (html / "m" / "index.html").write_text("<!doctype html><title>phone</title>")
    (html / "assets" / "app-1234.js").write_text("console.log(1)")
    for p in [html, *html.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)

    api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    port = _free_port()

    snippet = tmp / "security-headers.conf"
    shutil.copy(DEPLOY / "nginx-security-headers.conf", snippet)
    site = (DEPLOY / "nginx.conf").read_text()
    for old, new in [("server api:8000;", f"server 127.0.0.1:{api.server_address[1]};"),
                     ("listen 8080;", f"listen 127.0.0.1:{port};"),
                     ("root /usr/share/nginx/html;", f"root {html};"),
                     ("/etc/nginx/snippets/cunzhi-security-headers.conf", str(snippet))]:
        assert old in site, old
        site = site.replace(old, new)
    temps = "\n".join(f"    {d}_temp_path {tmp}/{d};" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(f"""
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temps}
    types {{ text/html html; application/javascript js; }}
{site}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if proc.poll() is not None:
                pytest.fail("nginx did not start: " + (proc.stdout.read().decode() if proc.stdout else "")
                            + (tmp / "error.log").read_text() if (tmp / "error.log").exists() else "")
            try:
                httpx.get(base + "/healthz", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        api.shutdown()


PATHS = ["/", "/villages/230199100200", "/m/", "/m/checkin", "/assets/app-1234.js", "/api/v1/villages",
         "/healthz", "/readyz"]


@pytest.mark.parametrize("path", PATHS)
def test_every_location_sends_the_security_headers_once(nginx, path):
    r = httpx.get(nginx + path)
    assert r.status_code == 200, (path, r.text)
    assert r.headers.get_list("content-security-policy") == [CONTENT_SECURITY_POLICY]
    assert r.headers.get_list("x-frame-options") == ["DENY"]
    assert r.headers.get_list("x-content-type-options") == ["nosniff"]
    assert r.headers.get_list("referrer-policy") == ["same-origin"]
    assert "strict-transport-security" not in r.headers


def test_locations_keep_their_own_headers_too(nginx):
    assert httpx.get(nginx + "/").headers["cache-control"] == "no-cache"
    assert httpx.get(nginx + "/m/").text.endswith("<title>phone</title>")
    assert "immutable" in httpx.get(nginx + "/assets/app-1234.js").headers["cache-control"]


@pytest.mark.parametrize("path", ["/", "/m/", "/assets/app-1234.js", "/api/v1/villages"])
def test_hsts_when_tls_ended_in_front(nginx, path):
    r = httpx.get(nginx + path, headers={"X-Forwarded-Proto": "https"})
    assert r.headers.get_list("strict-transport-security") == ["max-age=31536000; includeSubDomains"]


def test_the_api_docs_keep_their_own_policy(nginx):
    r = httpx.get(nginx + "/api/docs")
    assert r.headers.get_list("content-security-policy") == [DOCS_POLICY]
    assert r.headers.get_list("x-frame-options") == ["DENY"]


def test_nginx_and_the_api_send_the_same_policy():
    assert f'"{CONTENT_SECURITY_POLICY}"' in (DEPLOY / "nginx.conf").read_text()
    assert "nginx-security-headers.conf" in (DEPLOY / "Dockerfile.web").read_text()
