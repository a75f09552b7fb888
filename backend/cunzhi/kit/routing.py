"""DomainRouter: a domain's APIRouter that a request outside its prefix passes by at once.

FastAPI finds a request's route by asking every included router in turn, and each router asks every
one of its routes (a regular expression and some bookkeeping per route), twice for the router that
matches. With some 300 operations that walk cost more than a whole single-village read: a request for
a village went past every route of auth, users and divisions first, and a 404 past all of them, about
2 ms of CPU. Every route of a router lives under the router's prefix (FastAPI joins them), so a path
that does not start with the prefix's literal part (up to its first path parameter) matches none of
its routes and the router can say so without asking them. What a path under the prefix finds is
unchanged: the same route, the same 405 for another method, the same slash redirect.

Every domain router is one (main.py includes them at the root, with no prefix of its own).
"""

from typing import Any

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope


class DomainRouter(APIRouter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.prefix:
            raise ValueError("a DomainRouter has a prefix: its routes live under it")
        # The part before any path parameter: /api/v1/api-clients/{client_id}/webhooks -> /api/v1/api-clients/
        self.literal_prefix = self.prefix.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.literal_prefix):
            return Match.NONE, {}
        return super().matches(scope)
