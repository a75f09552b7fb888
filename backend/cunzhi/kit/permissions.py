"""Who may take which action: one check for requests, jobs and the CLI alike.

Each domain keeps its tables in its `permissions.py`: an action -> roles mapping keyed by `Role`.
Services call `require` before they write; reads of an object list `allowed` actions (the table
crossed with what the object's state permits), so the SPA shows buttons from the API instead of a
copy of these tables. Scope is checked apart: an object out of scope is not found (404) before any
role is looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar

from cunzhi.kit.codes import Role
from cunzhi.kit.errors import Forbidden
from cunzhi.kit.principal import Principal

A = TypeVar("A", bound=str)
Table = Mapping[A, frozenset[Role]]

__all__ = ["Table", "allowed", "gate", "may", "require", "roles"]


def roles(*r: Role) -> frozenset[Role]:
    return frozenset(r)


def may(p: Principal, table: Table[A], action: A) -> bool:
    """True when `p`'s role may take `action` (an action missing from the table is a bug: KeyError)."""
    return p.role in table[action]


def require(
    p: Principal,
    table: Table[A],
    action: A,
    *,
    what: str | None = None,
    detail: str | None = None,
    error: type[Forbidden] = Forbidden,
) -> None:
    """403 (`forbidden`, or `error`'s own code) unless `p`'s role may take `action`.

    The answer's detail is `detail`, or "Role <role> may not <what>" (`what` defaults to the action)."""
    if not may(p, table, action):
        raise error(detail or f"Role {p.role.value} may not {what or action}")


def allowed(p: Principal, table: Table[A], actions: Iterable[A]) -> list[A]:
    """Of `actions` (those the object's state permits, in their order), the ones `p` may take."""
    return [a for a in actions if a in table and p.role in table[a]]


def gate(table: Table[A], *actions: A) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A route dependency letting through the roles that may take one of `actions` (403 for the others).

    Only where a route is purely a gate in front of the service; the service checks the same table."""
    from cunzhi.kit.deps import require_roles

    return require_roles(*sorted(frozenset().union(*(table[a] for a in actions))))
