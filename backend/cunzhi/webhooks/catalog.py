"""Every event type the services emit (kit/events.py `emit`), in one place.

Each family names the module that emits it; the event's *area* is that module's domain package,
found as kit/client_scopes.py finds a route's (`cunzhi.funds.service` -> `funds`), so a township
system hears an event only when it holds that area's read scope (`funds:read` for claims,
`discipline:read` for discipline cases, ...), the scope it would need to read the same data.

The list serves three readers: the webhook consumer (an unlisted type is delivered to nobody),
subscriptions (a pattern that matches no listed type sent to webhooks is refused) and the guide
(docs/integration.md lists every type with its payload keys). tests/api/integration/
test_event_catalog.py collects the services' `emit` calls and fails on a type missing here.
"""

from __future__ import annotations

from dataclasses import dataclass

from cunzhi.kit.client_scopes import area_of_module, read_scope

# The payload keys that name a village: an event carrying one goes to that village's township.
VILLAGE_KEYS = ("village_id", "village_code")


@dataclass(frozen=True)
class EventType:
    name: str
    module: str
    keys: tuple[str, ...]
    note: str = ""

    @property
    def area(self) -> str:
        return area_of_module(self.module)

    @property
    def scope(self) -> str:
        """The read scope a client needs to receive it."""
        return read_scope(self.area)

    @property
    def entity(self) -> str:
        return self.name.rsplit(".", 1)[0]

    @property
    def to_webhooks(self) -> bool:
        """Whether township systems can hear it at all (its payload names a village)."""
        return any(k in self.keys for k in VILLAGE_KEYS)


def _family(module: str, entity: str, actions: tuple[str, ...], keys: tuple[str, ...],
            note: str = "") -> list[EventType]:
    return [EventType(f"{entity}.{a}", module, keys, note) for a in actions]


_STEP = ("village_id", "state")
_STEP_NOTE = "and `reason` when one was given, and the step's figures (amounts as strings)"
_POSTING = ("id", "cadre_id", "village_id", "post", "start_date", "end_date", "proposal_id", "note",
            "created_by", "created_at", "ended_reason", "ended_note", "ended_by", "ended_at", "ended_by_proposal_id")
_PAIRING = ("id", "partner_unit_id", "village_id", "start_date", "end_date", "proposal_id", "created_by",
            "created_at", "ended_reason", "ended_note", "ended_by", "ended_at", "ended_by_proposal_id")
_TASK = ("id", "county_code", "village_id", "item_id", "title", "duties", "note", "target", "unit", "progress",
         "due_date", "responsible_kind", "partner_unit_id", "cadre_id", "status", "assigned_level", "assigned_by",
         "import_key", "external_source", "external_id", "done_at", "accepted_at", "reminded_for",
         "version", "created_at", "updated_at")
_DISCLOSURE = ("round_id", "year", "month", "township_code", "village_code", "status", "late")
_DISCIPLINE = ("village_id", "village_code", "case_id", "case_number", "filed_on", "person_role", "violation",
               "outcome")
_CHECKIN = ("checkin_id", "cadre_id", "village_code", "local_date", "flags")

EVENT_TYPES: dict[str, EventType] = {e.name: e for e in [
    # funds (funds/service.py record_step: the trail's step; claim.edit from funds/drafts.py)
    *_family("cunzhi.funds.service", "claim",
             ("create", "edit", "attach", "exempt_invoice", "submit", "sign", "approve", "pay", "reject", "withdraw",
              "recall", "reverse"), _STEP, _STEP_NOTE),
    *_family("cunzhi.funds.service", "budget", ("create", "edit", "submit", "approve", "return", "close"),
             _STEP, _STEP_NOTE),
    *_family("cunzhi.funds.service", "amendment", ("request", "approve", "return"), _STEP, _STEP_NOTE),
    # assets (through funds' record_step, but decided in assets/service.py)
    *_family("cunzhi.assets.service", "asset", ("register", "value", "approve", "return", "dispose"),
             _STEP, _STEP_NOTE),
    *_family("cunzhi.assets.service", "resource",
             ("register", "survey", "value", "approve", "return", "open_tender", "tender_failed", "record_letting",
              "end_letting"), _STEP, _STEP_NOTE),
    # tasks
    *_family("cunzhi.tasks.service", "task", ("create", "edit"), _TASK, "the task's columns (task.edit: after the change)"),
    *_family("cunzhi.tasks.service", "task", ("progress", "complete"), ("progress", "amount", "status")),
    EventType("task.accept", "cunzhi.tasks.service", ("status", "note")),
    EventType("task.send_back", "cunzhi.tasks.service", ("status", "reasons", "note")),
    EventType("task.mark_overdue", "cunzhi.tasks.jobs", ("status", "due_date", "village_id")),
    EventType("task.due_soon", "cunzhi.tasks.jobs", ("due_date", "village_id", "progress", "target", "days_left")),
    EventType("task.import", "cunzhi.tasks.transfer", ("rows", "created", "skipped", "file"),
              "entity task_import, id the county's code"),
    # discipline (no person's name, no notes)
    *_family("cunzhi.discipline.service", "discipline_case", ("create", "edit"), _DISCIPLINE),
    # disclosures
    EventType("disclosure.published", "cunzhi.disclosures.service", (*_DISCLOSURE, "publication_id", "finance_hash")),
    EventType("disclosure.failed", "cunzhi.disclosures.service",
              (*_DISCLOSURE, "inspection_id", "findings", "fix_by")),
    EventType("disclosure.late", "cunzhi.disclosures.jobs", (*_DISCLOSURE, "publish_by")),
    # rectification
    EventType("rectification_case.accept", "cunzhi.rectification.cases", ("village_id", "village_code", "case_id")),
    # partners
    EventType("pairing_proposal.confirm", "cunzhi.partners.service",
              ("county_code", "start_date", "created", "ended", "kept")),
    EventType("pairing.end", "cunzhi.partners.service", _PAIRING, "the pairing's fields"),
    *_family("cunzhi.partners.jobs", "pairing", ("started", "ended"), _PAIRING, "the pairing's fields"),
    # cadres
    EventType("cadre_posting.create", "cunzhi.cadres.service", (*_POSTING, "ended"),
              "the posting's fields; `ended`: the postings it ended"),
    EventType("cadre_posting.end", "cunzhi.cadres.service", _POSTING, "the posting's fields"),
    *_family("cunzhi.cadres.jobs", "cadre_posting", ("started", "ended"), (*_POSTING, "account_moved"),
             "the posting's fields"),
    EventType("cadre_proposal.confirm", "cunzhi.cadres.service",
              ("county_code", "start_date", "created", "ended", "kept", "accounts_moved")),
    EventType("cadre_checkin.review", "cunzhi.cadres.fieldwork", (*_CHECKIN, "decision", "note")),
    EventType("cadre_checkin.flagged", "cunzhi.cadres.fieldwork", (*_CHECKIN, "checked_at", "distance_m")),
]}


def deliverable() -> list[EventType]:
    return [e for e in EVENT_TYPES.values() if e.to_webhooks]


def matches(patterns: list[str] | tuple[str, ...], event_type: str) -> bool:
    """Whether a subscription's patterns (exact types, prefixes ending in ".", "*") cover `event_type`."""
    return any(p == "*" or p == event_type or (p.endswith(".") and event_type.startswith(p)) for p in patterns)


def pattern_reaches(pattern: str) -> bool:
    """Whether some type sent to webhooks matches `pattern` (a subscription to nothing is refused)."""
    return any(matches((pattern,), e.name) for e in deliverable())
