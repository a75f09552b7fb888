"""Status machines of screening and rectification. Pure: no I/O.

Three machines, each a table of (state, event) -> next state. Anything not in a table is an
illegal transition: `IllegalTransition` (409, code `illegal_transition`).

Village rectification status (the village's `status`)::

    normal ──list──▶ weak ──start──▶ rectifying ──accept──▶ accepted
                                         ▲                     │
                                         └──────reopen─────────┘   (acceptance failed: back to work)
    accepted ──list──▶ weak                                         (listed again by a later round)

Rectification case::

    open ──start──▶ rectifying ──submit──▶ submitted ──accept──▶ accepted
                        │   ▲                  │                    │
                        │   └─────return───────┘                    │
                        │   ▲                                       │
                        │   └─────return────────────────────────────┘
                        └──accept──▶ accepted

Screening round::

    open ──begin_scoring──▶ scoring ──propose──▶ proposed ──confirm──▶ confirmed
    open / scoring / proposed ──close──▶ closed
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cunzhi.kit.codes import RectificationStatus as VillageStatus
from cunzhi.kit.errors import IllegalTransition

__all__ = [
    "CASE",
    "ROUND",
    "VILLAGE",
    "CaseEvent",
    "CaseStatus",
    "IllegalTransition",
    "Machine",
    "RoundEvent",
    "RoundStatus",
    "VillageEvent",
    "VillageStatus",
]


class VillageEvent(StrEnum):
    list = "list"  # a confirmed screening round lists the village as weak
    start = "start"  # rectification work begins (first measure of the case)
    accept = "accept"  # the county accepts the case (销号)
    reopen = "reopen"  # an acceptance is overturned: back to rectifying, with reasons


class CaseStatus(StrEnum):
    open = "open"
    rectifying = "rectifying"
    submitted = "submitted"  # the township asks the county to accept
    accepted = "accepted"


class CaseEvent(StrEnum):
    start = "start"
    submit = "submit"
    accept = "accept"
    return_ = "return"  # the county sends the case back to work, with reasons


class RoundStatus(StrEnum):
    open = "open"
    scoring = "scoring"
    proposed = "proposed"
    confirmed = "confirmed"
    closed = "closed"


class RoundEvent(StrEnum):
    begin_scoring = "begin_scoring"
    propose = "propose"
    confirm = "confirm"
    close = "close"


@dataclass(frozen=True)
class Machine:
    name: str
    states: tuple[str, ...]
    events: tuple[str, ...]
    edges: Mapping[tuple[str, str], str]

    def next(self, state: str, event: str) -> str:
        """The state after `event` in `state`, or IllegalTransition."""
        try:
            return self.edges[(str(state), str(event))]
        except KeyError:
            raise IllegalTransition(
                f"{self.name}: cannot {event} when {state}",
                extra={"machine": self.name, "state": str(state), "event": str(event)},
            ) from None

    def can(self, state: str, event: str) -> bool:
        return (str(state), str(event)) in self.edges

    def allowed(self, state: str) -> list[str]:
        """Events allowed in `state`, in declaration order (for the UI's buttons)."""
        return [e for e in self.events if (str(state), e) in self.edges]


def _machine(name: str, states: type[StrEnum], events: type[StrEnum], edges: dict[tuple[StrEnum, StrEnum], StrEnum]) -> Machine:
    return Machine(
        name=name,
        states=tuple(s.value for s in states),
        events=tuple(e.value for e in events),
        edges={(s.value, e.value): t.value for (s, e), t in edges.items()},
    )


VILLAGE = _machine(
    "village",
    VillageStatus,
    VillageEvent,
    {
        (VillageStatus.normal, VillageEvent.list): VillageStatus.weak,
        (VillageStatus.accepted, VillageEvent.list): VillageStatus.weak,
        (VillageStatus.weak, VillageEvent.start): VillageStatus.rectifying,
        (VillageStatus.rectifying, VillageEvent.accept): VillageStatus.accepted,
        (VillageStatus.accepted, VillageEvent.reopen): VillageStatus.rectifying,
    },
)

CASE = _machine(
    "case",
    CaseStatus,
    CaseEvent,
    {
        (CaseStatus.open, CaseEvent.start): CaseStatus.rectifying,
        (CaseStatus.rectifying, CaseEvent.submit): CaseStatus.submitted,
        (CaseStatus.rectifying, CaseEvent.accept): CaseStatus.accepted,
        (CaseStatus.submitted, CaseEvent.accept): CaseStatus.accepted,
        (CaseStatus.submitted, CaseEvent.return_): CaseStatus.rectifying,
        (CaseStatus.accepted, CaseEvent.return_): CaseStatus.rectifying,
    },
)

ROUND = _machine(
    "round",
    RoundStatus,
    RoundEvent,
    {
        (RoundStatus.open, RoundEvent.begin_scoring): RoundStatus.scoring,
        (RoundStatus.scoring, RoundEvent.propose): RoundStatus.proposed,
        (RoundStatus.proposed, RoundEvent.confirm): RoundStatus.confirmed,
        (RoundStatus.open, RoundEvent.close): RoundStatus.closed,
        (RoundStatus.scoring, RoundEvent.close): RoundStatus.closed,
        (RoundStatus.proposed, RoundEvent.close): RoundStatus.closed,
    },
)

# Village event that follows a case event, if any (a return from `submitted` leaves the village
# rectifying, so it has none).
CASE_TO_VILLAGE: Mapping[tuple[str, str], str] = {
    (CaseStatus.open.value, CaseEvent.start.value): VillageEvent.start.value,
    (CaseStatus.rectifying.value, CaseEvent.accept.value): VillageEvent.accept.value,
    (CaseStatus.submitted.value, CaseEvent.accept.value): VillageEvent.accept.value,
    (CaseStatus.accepted.value, CaseEvent.return_.value): VillageEvent.reopen.value,
}

# Case states in which a case still counts as open work (the village is on the list).
OPEN_CASE_STATES = frozenset({CaseStatus.open.value, CaseStatus.rectifying.value, CaseStatus.submitted.value})
# Village states that a new screening round may list again.
LISTABLE_VILLAGE_STATES = frozenset(s for (s, e) in VILLAGE.edges if e == VillageEvent.list.value)
