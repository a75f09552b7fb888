"""Stationed cadres (驻村干部): the county's records, their postings to villages (history kept), the
stored posting proposals, and the field work they report from the phone: daily check-ins (打卡),
work logs (民情日记) and photos. Check-ins, logs and photos are append-only (triggers)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, deferred, mapped_column

from cunzhi.cadres.rules import POSTS, SEVEN_ROLES, TIMEZONE_NAME
from cunzhi.db import Base

END_REASONS = ("replaced", "village_accepted", "recalled", "other")
CHECKIN_FLAGS = ("far_from_village", "poor_accuracy", "late_upload", "village_unlocated")
REVIEW_DECISIONS = ("accepted", "rejected")
PROPOSAL_STATUSES = ("open", "confirmed", "superseded")
FINDING_STATES = ("open", "following_up", "resolved")
FINDING_KINDS = ("policy", "discipline")
_CODES_RE = "^([a-z][a-z0-9_]{1,31}(,|$))*$"


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(repr(v) for v in values)


class CadreSettings(Base):
    """A county's rules for postings: known expertise, the weight table, cadres per village."""

    __tablename__ = "cadre_settings"
    __table_args__ = (CheckConstraint("cadres_per_village BETWEEN 1 AND 5", name="per_village_range"),)

    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), primary_key=True)
    cadres_per_village: Mapped[int] = mapped_column(Integer)
    #: whether proposals may end current postings to raise the score (off: current postings are kept)
    allow_moves: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # [{"code": "mass_work", "label": "群众工作"}, ...]
    expertise: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    # {"many_petitions": {"mass_work": 3}, ...}
    weights: Mapped[dict[str, dict[str, int]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __mapper_args__ = {"version_id_col": version}


class Cadre(Base):
    """A stationed cadre kept by the county, optionally linked to a user account (role cadre)."""

    __tablename__ = "cadres"
    __table_args__ = (
        CheckConstraint(f"array_to_string(expertise, ',') ~ '{_CODES_RE}'", name="expertise_codes"),
        UniqueConstraint("external_source", "external_id", name="uq_cadres_external"),
        CheckConstraint("(external_source IS NULL) = (external_id IS NULL)", name="external_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    home_unit: Mapped[str] = mapped_column(String(100))
    expertise: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    note: Mapped[str | None] = mapped_column(String(500))
    # A township system's own id for the cadre (bulk upserts): the township's code and that id.
    external_source: Mapped[str | None] = mapped_column(String(12))
    external_id: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __mapper_args__ = {"version_id_col": version}


class PostingProposal(Base):
    """One run of the matching engine over a county's weak villages and available cadres."""

    __tablename__ = "cadre_posting_proposals"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(PROPOSAL_STATUSES)})", name="status"),
        CheckConstraint(f"post IN ({_in(POSTS)})", name="post"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period"),
        CheckConstraint("covered <= slots AND covered >= 0", name="coverage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    post: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    slots: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    kept: Mapped[int] = mapped_column(Integer)
    allow_moves: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cadre_posting_proposals.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Posting(Base):
    """A cadre posted to a village for a period, with a post in the village branch.

    History is never overwritten: a row is inserted once and may later be ended once; a trigger
    refuses every other UPDATE and every DELETE. A cadre is never posted to two villages over
    overlapping periods (exclusion constraint). An end_date of start_date - 1 means it never began.
    """

    __tablename__ = "cadre_postings"
    __table_args__ = (
        CheckConstraint(f"post IN ({_in(POSTS)})", name="post"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date - 1", name="period"),
        CheckConstraint(
            "(ended_at IS NULL AND ended_reason IS NULL) OR "
            "(ended_at IS NOT NULL AND ended_reason IS NOT NULL AND end_date IS NOT NULL)",
            name="ended_fields",
        ),
        CheckConstraint(f"ended_reason IN ({_in(END_REASONS)})", name="ended_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    post: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("cadre_posting_proposals.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_reason: Mapped[str | None] = mapped_column(String(32))
    ended_note: Mapped[str | None] = mapped_column(String(500))
    ended_by: Mapped[str | None] = mapped_column(String(100))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("cadre_posting_proposals.id"))


class Checkin(Base):
    """A cadre's daily presence in a village (打卡): client time, server time, GPS. Append-only.

    `local_date` is derived by the database from the client time in Asia/Shanghai, and the unique
    constraint `uq_cadre_checkins_once_a_day` lets a cadre check in once per village and day.
    `client_key` is the phone's Idempotency-Key: the same write sent twice is stored once.
    """

    __tablename__ = "cadre_checkins"
    __table_args__ = (
        UniqueConstraint("cadre_id", "village_id", "local_date", name="uq_cadre_checkins_once_a_day"),
        UniqueConstraint("user_id", "client_key", name="uq_cadre_checkins_client_key"),
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lng BETWEEN -180 AND 180", name="lng_range"),
        CheckConstraint("accuracy_m > 0 AND accuracy_m <= 100000", name="accuracy_range"),
        Index("ix_cadre_checkins_village_day", "village_id", "local_date", "id"),
        CheckConstraint(f"flags <@ ARRAY[{_in(CHECKIN_FLAGS)}]::varchar[]", name="flags"),
        Index("ix_cadre_checkins_flagged", "village_id", "local_date", postgresql_where=text("cardinality(flags) > 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_key: Mapped[str | None] = mapped_column(String(128))
    body_hash: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    local_date: Mapped[date] = mapped_column(
        Date, Computed(f"(checked_at AT TIME ZONE '{TIMEZONE_NAME}')::date", persisted=True))
    lat: Mapped[float] = mapped_column(Double)
    lng: Mapped[float] = mapped_column(Double)
    accuracy_m: Mapped[float] = mapped_column(Double)
    note: Mapped[str | None] = mapped_column(String(500))
    #: metres from the posted village's position when it arrived (None: the village has no position)
    distance_m: Mapped[float | None] = mapped_column(Double)
    #: why it does not count as a plain day of presence (decided on arrival; see CHECKIN_FLAGS)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")

    __mapper_args__ = {"eager_defaults": True}


class PresenceMonth(Base):
    """Check-ins per cadre, village and month, kept by triggers (migration 0200) in the transaction of
    each check-in and review: `days` that count (unflagged, or flagged and accepted) and flagged ones
    by review state. The dashboards read this instead of a month of check-ins."""

    __tablename__ = "cadre_presence_months"
    __table_args__ = (
        Index("ix_cadre_presence_months_village_month", "village_id", "month"),
        Index("ix_cadre_presence_months_month", "month"),
    )

    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    days: Mapped[int] = mapped_column(Integer)
    flagged_pending: Mapped[int] = mapped_column(Integer)
    flagged_accepted: Mapped[int] = mapped_column(Integer)
    flagged_rejected: Mapped[int] = mapped_column(Integer)


class CheckinReview(Base):
    """The county's or township's decision on a flagged check-in (accepted: it counts). Once each;
    append-only."""

    __tablename__ = "cadre_checkin_reviews"
    __table_args__ = (
        CheckConstraint(f"decision IN ({_in(REVIEW_DECISIONS)})", name="decision"),
        CheckConstraint("decision = 'accepted' OR note IS NOT NULL", name="reject_note"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("cadre_checkins.id"), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    reviewed_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"eager_defaults": True}


class WorkLog(Base):
    """A dated work-log entry (民情日记) tagged with the seven roles, with the three promotions
    (members recruited, activists found, organisation activities held and their attendance, members
    playing their part) and the two oversights reported as counts. Append-only."""

    __tablename__ = "cadre_logs"
    __table_args__ = (
        UniqueConstraint("user_id", "client_key", name="uq_cadre_logs_client_key"),
        CheckConstraint(f"cardinality(roles) >= 1 AND roles <@ ARRAY[{_in(SEVEN_ROLES)}]::varchar[]",
                        name="roles"),
        CheckConstraint(
            "members_recruited >= 0 AND activities_held >= 0 AND members_active >= 0 "
            "AND policy_issues >= 0 AND discipline_issues >= 0", name="counts"),
        CheckConstraint("activists_found >= 0 AND activity_attendance >= 0 "
                        "AND (activity_attendance = 0 OR activities_held > 0)", name="promotion_counts"),
        CheckConstraint("policy_issues + discipline_issues = 0 OR oversight_note IS NOT NULL", name="oversight_note"),
        Index("ix_cadre_logs_village_day", "village_id", "log_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_key: Mapped[str | None] = mapped_column(String(128))
    body_hash: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    log_date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(5000))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    members_recruited: Mapped[int] = mapped_column(Integer, default=0)
    activities_held: Mapped[int] = mapped_column(Integer, default=0)
    members_active: Mapped[int] = mapped_column(Integer, default=0)
    activists_found: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    activity_attendance: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    policy_issues: Mapped[int] = mapped_column(Integer, default=0)
    discipline_issues: Mapped[int] = mapped_column(Integer, default=0)
    oversight_note: Mapped[str | None] = mapped_column(String(2000))

    __mapper_args__ = {"eager_defaults": True}


class OversightFinding(Base):
    """A problem found with village cadres' policy work or discipline (两监督), of one kind, and followed
    up by the township or county (a discipline one by the discipline inspector too): open,
    following_up, resolved. A work log with an oversight count above 0 raises one per kind found
    (the service splits it: fieldwork._raise_findings); the cadre may add more to the
    log. The current state here; every move in `cadre_finding_events`."""

    __tablename__ = "cadre_findings"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(FINDING_STATES)})", name="state"),
        CheckConstraint("policy_issues >= 0 AND discipline_issues >= 0 AND policy_issues + discipline_issues > 0",
                        name="counts"),
        CheckConstraint("(kind = 'policy' AND policy_issues > 0 AND discipline_issues = 0)"
                        " OR (kind = 'discipline' AND discipline_issues > 0 AND policy_issues = 0)", name="kind"),
        Index("ix_cadre_findings_village_day", "village_id", "found_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("cadre_logs.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"))
    found_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    policy_issues: Mapped[int] = mapped_column(Integer)
    discipline_issues: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    state_by: Mapped[str | None] = mapped_column(String(100))
    state_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state_note: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"eager_defaults": True}


class FindingEvent(Base):
    """One move of a finding's follow-up state: from, to, who, when, why. Append-only."""

    __tablename__ = "cadre_finding_events"
    __table_args__ = (
        CheckConstraint(f"to_state IN ({_in(FINDING_STATES)})", name="to_state"),
        CheckConstraint(f"from_state IN ({_in(FINDING_STATES)})", name="from_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("cadre_findings.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"eager_defaults": True}


class Photo(Base):
    """A photo of a check-in or a work log, kept in the database like funds attachments. Append-only."""

    __tablename__ = "cadre_photos"
    __table_args__ = (
        CheckConstraint("(checkin_id IS NULL) <> (log_id IS NULL)", name="one_owner"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name="content_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("cadre_checkins.id"), index=True)
    log_id: Mapped[int | None] = mapped_column(ForeignKey("cadre_logs.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"eager_defaults": True}
