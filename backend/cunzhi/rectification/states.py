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
from enum import StrEnum
from typing import TypeVar

from cunzhi.kit.codes import RectificationStatus as VillageStatus
from cunzhi.kit.states import IllegalTransition, Machine

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


S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


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


def _machine(name: str, states: type[S], events: type[E], edges: dict[tuple[S, E], S]) -> Machine[S, E]:
    # A refused step is named `event` in the answer: these machines move on events.
    return Machine(name, states, events, edges, verb="event", named=True)


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
