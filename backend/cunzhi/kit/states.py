"""The one state-machine helper: declared transitions, checked in one place. Pure: no I/O.

A machine is a table of (state, action) -> next state. Anything not in the table is an illegal
transition, answered as 409 `illegal_transition` naming the machine, the state and the refused
action. Funds (claims, budgets), assets and resources, and rectification (villages, cases, rounds)
declare their tables with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from cunzhi.kit.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)

__all__ = ["IllegalTransition", "Machine", "illegal"]


def illegal(machine: str, state: str, action: str, *, verb: str = "action", named: bool = False) -> IllegalTransition:
    """409 `illegal_transition`, naming the state and the refused action (and the machine if `named`)."""
    extra = {"machine": machine} if named else {}
    return IllegalTransition(f"{machine}: cannot {action} when {state}",
                             extra={**extra, "state": str(state), verb: str(action)})


class Machine(Generic[S, A]):
    """`verb` and `named` shape the refusal's answer, which clients already read: funds answer
    `{state, action}`, rectification `{machine, state, event}`."""

    __slots__ = ("actions_", "edges", "name", "named", "states", "verb")

    def __init__(self, name: str, states: type[S], actions: type[A], edges: Mapping[tuple[S, A], S], *,
                 verb: str = "action", named: bool = False) -> None:
        unknown = [(s, a) for (s, a), t in edges.items() if s not in states or a not in actions or t not in states]
        if unknown:
            raise ValueError(f"{name}: edges name unknown states or actions: {unknown}")
        self.name = name
        self.states: tuple[S, ...] = tuple(states)
        self.actions_: tuple[A, ...] = tuple(actions)
        self.edges: Mapping[tuple[S, A], S] = dict(edges)
        self.verb = verb
        self.named = named

    @property
    def events(self) -> tuple[A, ...]:
        """The declared actions (rectification calls them events)."""
        return self.actions_

    def next(self, state: str, action: str) -> S:
        """The state after `action` in `state`, or IllegalTransition (409 `illegal_transition`)."""
        try:
            return self.edges[(state, action)]  # type: ignore[index]  # a StrEnum key matches its str
        except (KeyError, TypeError):
            raise illegal(self.name, str(state), str(action), verb=self.verb, named=self.named) from None

    def allows(self, state: str, action: str) -> bool:
        return (state, action) in self.edges

    can = allows

    def actions(self, state: str) -> list[A]:
        """The actions open from `state`, in table order (the order of the caller's buttons)."""
        return [a for (s, a) in self.edges if s == state]

    allowed = actions
