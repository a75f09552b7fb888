"""A small, table-driven state machine shared by claims, asset disposals and resource lettings.

Pure: no I/O. A machine is a mapping from (state, action) to the next state; anything not in the
table is an illegal transition, which the API reports as 409 `illegal_transition`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from cunzhi.funds.errors import illegal

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


@dataclass(frozen=True)
class Machine(Generic[S, A]):
    name: str
    edges: Mapping[tuple[S, A], S]

    def next(self, state: S, action: A) -> S:
        try:
            return self.edges[(state, action)]
        except KeyError:
            raise illegal(self.name, str(state), str(action)) from None

    def allows(self, state: S, action: A) -> bool:
        return (state, action) in self.edges

    def actions(self, state: S) -> list[A]:
        """The actions open from `state`, in table order."""
        return [a for (s, a) in self.edges if s == state]
