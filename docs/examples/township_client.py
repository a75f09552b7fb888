#!/usr/bin/env python3
"""An example township system talking to Cunzhi (村治): see docs/integration.md.

    pip install httpx standardwebhooks
    python township_client.py --base-url https://cunzhi.example.gov.cn \
        --client-id songjiang-t01 --client-secret="$CUNZHI_CLIENT_SECRET"   # with "=": a secret may begin with "-"

It gets a token by client credentials, pages through its township's villages, upserts villages,
cadres and tasks in bulk (twice, to show that the second run changes nothing), edits a village with
If-Match, and retries on 429 after Retry-After. `WebhookReceiver` is a small endpoint that verifies
deliveries with the `standardwebhooks` package. Prints one line per step; exits 1 on a failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class CunzhiError(Exception):
    """A problem+json answer: its status, stable code and body."""

    def __init__(self, response: httpx.Response) -> None:
        try:
            self.problem: dict[str, Any] = response.json()
        except ValueError:
            self.problem = {"code": "unknown", "detail": response.text[:200]}
        self.status = response.status_code
        self.code = str(self.problem.get("code", "unknown"))
        super().__init__(f"{self.status} {self.code}: {self.problem.get('detail') or self.problem.get('title')}")


class TownshipClient:
    """Client credentials, bearer token renewed when it expires or is refused, 429 handling."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, *,
                 http: httpx.Client | None = None, max_wait_seconds: float = 120) -> None:
        self.http = http or httpx.Client(base_url=base_url, timeout=30)
        self.client_id, self.client_secret = client_id, client_secret
        self.max_wait_seconds = max_wait_seconds
        self._token: str | None = None
        self._expires_at = 0.0

    # ---- tokens ----------------------------------------------------------------------------

    def token(self) -> str:
        if self._token is None or time.monotonic() > self._expires_at - 30:
            r = self.http.post("/api/v1/auth/token", data={
                "grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self.client_secret})
            if r.status_code != 200:
                raise CunzhiError(r)
            body = r.json()
            self._token, self._expires_at = body["access_token"], time.monotonic() + body["expires_in"]
        return self._token

    # ---- one call ----------------------------------------------------------------------------

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """One call with the token; a 401 gets a new token once, a 429 waits Retry-After and retries."""
        waited = 0.0
        renewed = False
        while True:
            headers = {**kw.pop("headers", {}), "Authorization": f"Bearer {self.token()}"}
            r = self.http.request(method, path, headers=headers, **kw)
            kw["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if r.status_code == 401 and not renewed:
                self._token, renewed = None, True
                continue
            if r.status_code in (429, 409) and "Retry-After" in r.headers:
                # 429 rate_limited, or 409 idempotency_in_progress: the same request again, later.
                pause = float(r.headers["Retry-After"])
                if waited + pause > self.max_wait_seconds:
                    raise CunzhiError(r)
                time.sleep(pause)
                waited += pause
                continue
            if r.status_code >= 400:
                raise CunzhiError(r)
            return r

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any, *, idempotency_key: str | None = None) -> httpx.Response:
        """A POST with an Idempotency-Key (a new one unless given): a retry never writes twice."""
        key = idempotency_key or str(uuid.uuid4())
        return self.request("POST", path, json=body, headers={"Idempotency-Key": key})

    # ---- what a township system does -------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return self.get("/api/v1/auth/me").json()

    def pages(self, path: str, *, limit: int = 50, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a limit/offset list."""
        offset = 0
        while True:
            page = self.get(path, limit=limit, offset=offset, **params).json()
            yield from page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return

    def bulk(self, what: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Upsert villages, cadres or tasks, 200 at a time; the per-item results of every batch."""
        summary = {"created": 0, "updated": 0, "unchanged": 0, "errors": 0}
        results: list[dict[str, Any]] = []
        for start in range(0, len(items), 200):
            report = self.post(f"/api/v1/{what}/bulk", {"items": items[start:start + 200]}).json()
            for k in summary:
                summary[k] += report["summary"][k]
            results += [{**r, "index": r["index"] + start} for r in report["items"]]
        return {"summary": summary, "items": results}

    def edit_village(self, code: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Read the village, then change it with If-Match; on 412 (changed meanwhile) read and retry."""
        for _ in range(3):
            current = self.get(f"/api/v1/villages/{code}")
            try:
                return self.request("PATCH", f"/api/v1/villages/{code}", json=changes,
                                    headers={"If-Match": current.headers["ETag"]}).json()
            except CunzhiError as exc:
                if exc.code != "precondition_failed":
                    raise
        raise RuntimeError(f"village {code} keeps changing")


class WebhookReceiver:
    """A minimal endpoint that verifies Standard Webhooks deliveries and keeps the verified ones
    (deduplicated by webhook-id). For production, use your web framework; verify the raw body."""

    def __init__(self, secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.hook = Webhook(secret)
        self.received: dict[str, dict[str, Any]] = {}
        self.refused = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    payload = outer.hook.verify(raw, dict(self.headers.items()))
                except WebhookVerificationError:
                    outer.refused += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                outer.received.setdefault(self.headers["webhook-id"], payload)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/cunzhi-hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run(c: TownshipClient, *, out: Any = sys.stdout) -> dict[str, Any]:
    """The walk-through; returns what it found for whoever calls it (the test)."""

    def say(*parts: Any) -> None:
        print(*parts, file=out, flush=True)

    me = c.me()
    township = me["scope"]["code"]
    say("me:", me["username"], "township", township, me["scope"]["name"])
    villages = list(c.pages("/api/v1/villages", limit=5))
    say("villages:", len(villages), "in", -(-len(villages) // 5), "pages")

    new_code = township[:9] + "990"
    village_items = [{"code": new_code, "name": "示例新村", "population": 321},
                     {"code": villages[0]["code"], "name": villages[0]["name"]}]
    first = c.bulk("villages", village_items)
    second = c.bulk("villages", village_items)
    say("villages bulk:", json.dumps(first["summary"]), "then", json.dumps(second["summary"]))

    cadre_items = [{"external_id": "HR-0001", "name": "示例干部", "home_unit": "乡镇人事办", "expertise": ["technical"]}]
    cadres = c.bulk("cadres", cadre_items)
    say("cadres bulk:", json.dumps(cadres["summary"]))

    catalogue = c.get("/api/v1/tasks/catalogue").json()
    item = next((i for i in catalogue["items"] if i["active"]), None)
    unit = next((u["code"] for u in catalogue["units"] if u["active"]), None)
    tasks: dict[str, Any] = {}
    if item is not None and unit is not None:
        item_id = item["id"]
        due = (date.today() + timedelta(days=60)).isoformat()
        task_items = [{"external_id": "RW-2026-01", "village_code": new_code, "item_id": item_id, "title": "示例任务",
                       "target": "10", "unit": unit, "due_date": due, "responsible_kind": "village_committee"},
                      {"external_id": "RW-2026-02", "village_code": new_code, "item_id": item_id, "title": "过期任务",
                       "target": "1", "unit": unit, "due_date": "2020-01-01", "responsible_kind": "village_committee"}]
        tasks = c.bulk("tasks", task_items)
        errors = [r["error"]["code"] for r in tasks["items"] if r["result"] == "error"]
        say("tasks bulk:", json.dumps(tasks["summary"]), "errors", ",".join(errors))

    edited = c.edit_village(new_code, {"households": 99})
    say("village edited:", edited["code"], "version", edited["version"])
    return {"me": me, "villages": villages, "first": first, "second": second, "cadres": cadres, "tasks": tasks,
            "edited": edited}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    args = ap.parse_args(argv)
    client = TownshipClient(args.base_url, args.client_id, args.client_secret)
    try:
        run(client)
    except CunzhiError as exc:
        print("failed:", exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
