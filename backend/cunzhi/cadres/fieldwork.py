"""A stationed cadre's field work from the phone: check-ins (打卡), work logs (民情日记), their photos,
the offline batch sync, and the monthly attendance summary. The rules.

* Only an account with the role `cadre`, linked to an active cadre record, writes; it writes for
  its own village (users.village_id, which follows the cadre's postings). Anyone whose scope holds
  the village reads (township officials their township, the county all, partner units their
  paired villages). Out of scope: 404; wrong role: 403.
* Every write carries the phone's Idempotency-Key, stored with the row (`client_key`, unique per
  account) together with a hash of the validated body: the same write arriving twice (single POST
  replayed, or in a batch after a single POST whose answer was lost) is stored once and answered
  with the stored row; the same key with another body is refused (422 idempotency_key_reused).
* Check-ins: one per cadre, village and local day (Asia/Shanghai) of the phone's time; a second
  is 409 already_checked_in, decided by a unique constraint even when two arrive at once.
* Presence is checked, not assumed: a check-in farther from the posted village's position than
  CUNZHI_CHECKIN_MAX_DISTANCE_METERS, with GPS accuracy worse than CUNZHI_CHECKIN_MAX_ACCURACY_METERS,
  reaching the server more than CUNZHI_CHECKIN_OFFLINE_TOLERANCE_HOURS after it was made, or for a
  village without a position, is kept with its flags. A flagged check-in does not count in attendance
  until the county or the village's township reviews it and accepts it (once; audited event).
"""

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json
from sqlalchemy import ColumnElement, Date, DateTime, TextClause, func, insert, select, text, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from cunzhi.cadres import rules
from cunzhi.cadres.models import Cadre, Checkin, CheckinReview, OversightFinding, Photo, Posting, WorkLog
from cunzhi.cadres.permissions import CADRES, CadreAction, checkin_actions
from cunzhi.cadres.schemas import (
    AttendanceOut,
    AttendanceRow,
    CadreVillageRef,
    CheckinFlag,
    CheckinIn,
    CheckinOut,
    CheckinPage,
    CheckinReviewIn,
    CheckinReviewOut,
    FlaggedDay,
    LogIn,
    LogOut,
    LogPage,
    PhotoOut,
    ReviewDecision,
    SevenRole,
    SyncItem,
    SyncKind,
    SyncRequest,
    SyncResponse,
    SyncResult,
    SyncStatus,
)
from cunzhi.cadres.service import now, today
from cunzhi.config import get_settings
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, clock, events
from cunzhi.kit.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Unprocessable,
    database_refusal,
    sqlstate,
)
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_clause, village_ids
from cunzhi.kit.uploads import sniff_image, upload_limit
from cunzhi.villages.models import Village

MAX_PHOTOS = {"checkin": 3, "log": 6}

logger = logging.getLogger(__name__)


class PhotoTooLarge(DomainError):
    status, code, title = 413, "photo_too_large", "The photo is larger than allowed"


class PhotoTypeRefused(Unprocessable):
    code, title = "photo_type_refused", "Only JPEG, PNG or WebP photos are accepted"


def photo_limit() -> int:
    """Largest photo accepted: the setting, and never more than the request body limit leaves."""
    s = get_settings()
    return min(s.cadre_photo_max_bytes, upload_limit())


# Fields added to the work log later: left out of the hash while 0, so a write queued on a phone
# before they existed hashes as it did (its replay is still recognised).
_LATER_LOG_FIELDS = ("activists_found", "activity_attendance")


# json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False), made once (a batch hashes hundreds)
_HASH_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def body_hash(data: BaseModel) -> str:
    dumped = data.model_dump(mode="json")
    if isinstance(data, LogIn):
        for k in _LATER_LOG_FIELDS:
            if dumped.get(k) == 0:
                del dumped[k]
        # A work log holds no number with a fraction and no nested object, where pydantic's JSON is
        # byte for byte the stdlib's (keys sorted here, compact, UTF-8), at half the cost: a batch
        # hashes hundreds. A float would differ (1e-05 against 1e-5), so check-ins keep the stdlib.
        return hashlib.sha256(to_json(dict(sorted(dumped.items())))).hexdigest()
    return hashlib.sha256(_HASH_JSON.encode(dumped).encode()).hexdigest()


# ------------------------------------------------------------------------------------------
# Who writes, and where
# ------------------------------------------------------------------------------------------


@dataclass
class Writer:
    cadre: Cadre
    village: Village
    township_name: str


async def writer(session: AsyncSession, p: Principal, village_code: str | None = None) -> Writer:
    _may_write(p)
    # the cadre, the account's village and its township in one round trip (every write asks)
    row = (await session.execute(
        select(Cadre, Village, Division.name).select_from(Cadre)
        .outerjoin(Village, Village.id == p.village_id)
        .outerjoin(Division, Division.code == Village.township_code)
        .where(Cadre.user_id == p.id))).first()
    w = _writer_of(p, *(row or (None, None, None)))
    _check_village(w, village_code)
    return w


def _may_write(p: Principal) -> None:
    require(p, CADRES, CadreAction.fieldwork, detail="Only stationed cadres check in and keep work logs")
    if p.kind != "user":
        raise Forbidden("Only stationed cadres check in and keep work logs")


def _writer_of(p: Principal, cadre: Cadre | None, village: Village | None, township_name: str | None) -> Writer:
    if cadre is None or not cadre.active:
        raise Forbidden("This account is not linked to an active stationed cadre", code="not_a_stationed_cadre")
    if village is None or p.village_id is None:
        raise Forbidden("This account has no village", code="not_a_stationed_cadre")
    return Writer(cadre, village, township_name or "")


def _check_village(w: Writer, village_code: str | None) -> None:
    """A write naming a village names the cadre's own (any other is not found, as out of scope)."""
    if village_code is not None and village_code != w.village.code:
        raise NotFound(f"Village {village_code} not found", code="village_not_found")


def _time_errors(code: str | None, field: str) -> None:
    if code is None:
        return
    msg = {"client_time_in_future": "is later than the server's time",
           "client_time_too_old": f"is more than {rules.MAX_AGE.days} days old",
           "log_date_in_future": "is after the day it was written",
           "log_date_too_old": f"is more than {rules.LOG_BACKDATE_DAYS} days before the day it was written"}[code]
    raise Unprocessable(f"{field} {msg}", code=code, errors=[{"loc": ["body", field], "msg": msg, "type": code}])


# ------------------------------------------------------------------------------------------
# Shaping
# ------------------------------------------------------------------------------------------


async def _photos(session: AsyncSession, column: Any, ids: list[int]) -> dict[int, list[PhotoOut]]:
    out: dict[int, list[PhotoOut]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = (await session.execute(select(Photo).where(column.in_(ids)).order_by(Photo.id))).scalars().all()
    for ph in rows:
        owner = ph.checkin_id if column is Photo.checkin_id else ph.log_id
        assert owner is not None
        out[owner].append(PhotoOut(id=ph.id, content_type=ph.content_type, size=ph.size, sha256=ph.sha256,
                                   uploaded_at=ph.uploaded_at))
    return out


def _review_out(r: CheckinReview | None) -> CheckinReviewOut | None:
    if r is None:
        return None
    return CheckinReviewOut(decision=ReviewDecision(r.decision), note=r.note, reviewed_by=r.reviewed_by,
                            reviewed_at=r.reviewed_at)


def counts(flags: list[str], decision: str | None) -> bool:
    """A check-in counts as a day of presence when nothing is flagged or a reviewer accepted it."""
    return not flags or decision == ReviewDecision.accepted.value


_M = TypeVar("_M", bound=BaseModel)
_set = object.__setattr__


def _built(cls: type[_M], values: dict[str, Any]) -> _M:
    """`cls.model_construct(**values)` for values naming every field, in the fields' order (the order
    of the answer's JSON), at a fifth of its cost: model_construct looks each field up by its aliases
    and defaults, a third of a batch's Python time for its hundreds of answers. Plain models only (no
    extra fields, private attributes or post-init: test_cadres_answers holds the two equal)."""
    assert list(values) == list(cls.__pydantic_fields__), cls
    m = cls.__new__(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", set(values))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


_FLAG = {f.value: f for f in CheckinFlag}
_ROLE = {r.value: r for r in SevenRole}


def _checkin_out(c: Checkin, cadre_name: str, v: Village, photos: list[PhotoOut],
                 review: CheckinReview | None = None, p: Principal | None = None) -> CheckinOut:
    flags = list(c.flags or [])
    # Built from stored, typed values: constructed, not validated again (a batch answers hundreds);
    # test_cadres_sync validates the batch's answer against the contract's model.
    return _built(CheckinOut, dict(
        id=c.id, cadre_id=c.cadre_id, cadre_name=cadre_name, village_code=v.code, village_name=v.name,
        checked_at=c.checked_at, received_at=c.received_at, local_date=c.local_date, lat=c.lat, lng=c.lng,
        accuracy_m=c.accuracy_m, note=c.note, client_key=c.client_key, photos=photos, distance_m=c.distance_m,
        flags=[_FLAG[f] for f in flags], review=_review_out(review),
        counts=counts(flags, review.decision if review else None),
        allowed_actions=checkin_actions(p, flagged=bool(flags), reviewed=review is not None) if p is not None else []))


async def _reviews(session: AsyncSession, ids: list[int]) -> dict[int, CheckinReview]:
    if not ids:
        return {}
    rows = (await session.execute(select(CheckinReview).where(CheckinReview.checkin_id.in_(ids)))).scalars()
    return {r.checkin_id: r for r in rows}


def _log_out(g: WorkLog, cadre_name: str, v: Village, photos: list[PhotoOut],
             finding_ids: list[int] | None = None) -> LogOut:
    return _built(LogOut, dict(
        id=g.id, cadre_id=g.cadre_id, cadre_name=cadre_name, village_code=v.code, village_name=v.name,
        written_at=g.written_at, received_at=g.received_at, log_date=g.log_date, text=g.text,
        roles=[_ROLE[r] for r in g.roles], members_recruited=g.members_recruited,
        activities_held=g.activities_held, members_active=g.members_active, activists_found=g.activists_found,
        activity_attendance=g.activity_attendance, policy_issues=g.policy_issues,
        discipline_issues=g.discipline_issues, oversight_note=g.oversight_note,
        finding_id=finding_ids[0] if finding_ids else None, finding_ids=finding_ids or [],
        client_key=g.client_key, photos=photos))


# ------------------------------------------------------------------------------------------
# Check-ins
# ------------------------------------------------------------------------------------------


async def _checkin_by_key(session: AsyncSession, user_id: int, key: str) -> Checkin | None:
    return (await session.execute(
        select(Checkin).where(Checkin.user_id == user_id, Checkin.client_key == key))).scalar_one_or_none()


def _check_checkin_replay(w: Writer, existing: Checkin, digest: str) -> None:
    if existing.body_hash != digest:
        raise Unprocessable("This Idempotency-Key was used with a different check-in", code="idempotency_key_reused")
    if existing.village_id != w.village.id:
        raise Conflict("This check-in was recorded for another village", code="idempotency_key_reused")


async def _replayed_checkin(session: AsyncSession, w: Writer, existing: Checkin, digest: str) -> CheckinOut:
    _check_checkin_replay(w, existing, digest)
    photos = await _photos(session, Photo.checkin_id, [existing.id])
    review = (await _reviews(session, [existing.id])).get(existing.id)
    return _checkin_out(existing, w.cadre.name, w.village, photos[existing.id], review)


def _new_checkin(w: Writer, p: Principal, data: CheckinIn, key: str | None, digest: str,
                 received: datetime) -> Checkin:
    """The row a check-in arriving now becomes (time checked, presence flagged); not yet added."""
    return Checkin(**_checkin_values(w, p, data, key, digest, received))


def _checkin_values(w: Writer, p: Principal, data: CheckinIn, key: str | None, digest: str,
                    received: datetime) -> dict[str, Any]:
    _time_errors(rules.client_time_problem(data.checked_at, received), "checked_at")
    s = get_settings()
    position = (w.village.lat, w.village.lng) if w.village.lat is not None and w.village.lng is not None else None
    distance, flags = rules.checkin_flags(
        lat=data.lat, lng=data.lng, accuracy_m=data.accuracy_m, checked_at=data.checked_at, received_at=received,
        village=position, max_distance_m=s.checkin_max_distance_meters,
        max_accuracy_m=s.checkin_max_accuracy_meters,
        offline_tolerance=timedelta(hours=s.checkin_offline_tolerance_hours))
    return dict(cadre_id=w.cadre.id, village_id=w.village.id, user_id=p.id, client_key=key, body_hash=digest,
                checked_at=data.checked_at, received_at=received, lat=data.lat, lng=data.lng,
                accuracy_m=data.accuracy_m, note=data.note, distance_m=distance, flags=flags)


async def create_checkin(session: AsyncSession, p: Principal, data: CheckinIn,
                         key: str | None) -> tuple[CheckinOut, bool]:
    """(the check-in, True) when stored now; (the stored one, False) for a replay of the same write."""
    w = await writer(session, p, data.village_code)
    digest = body_hash(data)
    if key is not None and (existing := await _checkin_by_key(session, p.id, key)) is not None:
        return await _replayed_checkin(session, w, existing, digest), False
    row = _new_checkin(w, p, data, key, digest, now())
    day = rules.local_date(data.checked_at)
    same_day = (await session.execute(select(Checkin.id).where(
        Checkin.cadre_id == w.cadre.id, Checkin.village_id == w.village.id, Checkin.local_date == day))).scalar()
    if same_day is not None:
        raise _already(day, same_day)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        # Lost a race: the same write (same key) or another check-in the same day got in first.
        if key is not None and (existing := await _checkin_by_key(session, p.id, key)) is not None:
            return await _replayed_checkin(session, w, existing, digest), False
        if "uq_cadre_checkins_once_a_day" in str(exc.orig):
            raise _already(day, None) from None
        raise
    event = await audit.record(session, p, "cadre_checkin.create", "cadre_checkin", row.id,
                               after=audit.snapshot(row, "body_hash"))
    if row.flags:
        await events.publish(session, p, FLAGGED, "cadre_checkin", row.id,
                             _flagged(w, row.checked_at, row.flags, row.distance_m, row.id), audit_event_id=event.id)
    return _checkin_out(row, w.cadre.name, w.village, []), True


#: The event a township system hears of a check-in that cannot count as presence until reviewed.
FLAGGED = "cadre_checkin.flagged"


def _flagged(w: Writer, checked_at: datetime, flags: list[str], distance_m: float | None,
             checkin_id: int | None = None) -> dict[str, Any]:
    """The payload of a flagged check-in's event, keyed as its review's (`cadre_checkin.review`), with
    when it was made and how far from the village; the batch adds `checkin_id` once the row is stored."""
    out: dict[str, Any] = {"cadre_id": w.cadre.id, "village_code": w.village.code,
                           "local_date": rules.local_date(checked_at).isoformat(), "checked_at": checked_at,
                           "flags": flags, "distance_m": distance_m}
    return out if checkin_id is None else {"checkin_id": checkin_id, **out}


def _already(day: date, checkin_id: int | None) -> Conflict:
    return Conflict(f"Already checked in on {day.isoformat()}", code="already_checked_in",
                    extra={"local_date": day.isoformat(), **({"checkin_id": checkin_id} if checkin_id else {})})


def _cursor_clause(cursor: str | None, day_col: Any, id_col: Any) -> ColumnElement[bool] | None:
    if cursor is None:
        return None
    try:
        c = rules.decode_cursor(cursor)
    except ValueError:
        raise Unprocessable("Not a cursor from this list", code="invalid_cursor", errors=[
            {"loc": ["query", "cursor"], "msg": "not a cursor from this list", "type": "value_error"}]) from None
    return tuple_(day_col, id_col) < tuple_(c.day, c.id)


async def _scoped_village(session: AsyncSession, p: Principal, code: str) -> Village:
    v = (await session.execute(select(Village).where(Village.code == code, village_clause(p)))).scalar_one_or_none()
    if v is None:
        raise NotFound(f"Village {code} not found", code="village_not_found")
    return v


async def list_checkins(session: AsyncSession, p: Principal, *, village_code: str | None, cadre_id: int | None,
                        date_from: date | None, date_to: date | None, mine: bool, cursor: str | None,
                        limit: int, flagged: bool | None = None, reviewed: bool | None = None,
                        township_code: str | None = None) -> CheckinPage:
    stmt = (select(Checkin, Cadre.name, Village).join(Cadre, Cadre.id == Checkin.cadre_id)
            .join(Village, Village.id == Checkin.village_id).where(Checkin.village_id.in_(village_ids(p))))
    if village_code:
        stmt = stmt.where(Checkin.village_id == (await _scoped_village(session, p, village_code)).id)
    if cadre_id is not None:
        stmt = stmt.where(Checkin.cadre_id == cadre_id)
    if date_from:
        stmt = stmt.where(Checkin.local_date >= date_from)
    if date_to:
        stmt = stmt.where(Checkin.local_date <= date_to)
    if mine:
        stmt = stmt.where(Checkin.user_id == p.id)
    if township_code:
        stmt = stmt.where(Village.township_code == township_code)
    if flagged is not None:
        stmt = stmt.where(func.cardinality(Checkin.flags) > 0 if flagged else func.cardinality(Checkin.flags) == 0)
    if reviewed is not None:
        has_review = Checkin.id.in_(select(CheckinReview.checkin_id))
        stmt = stmt.where(has_review if reviewed else ~has_review)
    after = _cursor_clause(cursor, Checkin.local_date, Checkin.id)
    if after is not None:
        stmt = stmt.where(after)
    rows = (await session.execute(
        stmt.order_by(Checkin.local_date.desc(), Checkin.id.desc()).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    photos = await _photos(session, Photo.checkin_id, [c.id for c, _, _ in rows])
    reviews = await _reviews(session, [c.id for c, _, _ in rows])
    items = [_checkin_out(c, name, v, photos[c.id], reviews.get(c.id), p) for c, name, v in rows]
    last = rows[-1][0] if rows else None
    return CheckinPage(items=items, next_cursor=rules.encode_cursor(last.local_date, last.id) if more and last else None)


async def review_checkin(session: AsyncSession, p: Principal, checkin_id: int, data: CheckinReviewIn) -> CheckinOut:
    """Accept or reject a flagged check-in, once. Two reviews at once: one wins, the other is 409."""
    row = (await session.execute(
        select(Checkin, Cadre.name, Village).join(Cadre, Cadre.id == Checkin.cadre_id)
        .join(Village, Village.id == Checkin.village_id)
        .where(Checkin.id == checkin_id, village_clause(p)))).first()
    if row is None:
        raise NotFound(f"Check-in {checkin_id} not found", code="checkin_not_found")
    checkin, cadre_name, village = row
    require(p, CADRES, CadreAction.review_checkin,
            detail="Only the county organisation department or the township reviews check-ins")
    if not checkin.flags:
        raise Conflict("This check-in is not flagged: there is nothing to review", code="checkin_not_flagged")
    existing = (await _reviews(session, [checkin.id])).get(checkin.id)
    if existing is not None:
        raise _reviewed(existing)
    review = CheckinReview(checkin_id=checkin.id, village_id=checkin.village_id, decision=data.decision.value,
                           note=data.note, reviewed_by=p.name, reviewed_at=now())
    try:
        async with session.begin_nested():
            session.add(review)
            await session.flush()
    except IntegrityError:
        raise _reviewed((await _reviews(session, [checkin.id]))[checkin.id]) from None
    await events.emit(session, p, "cadre_checkin.review", "cadre_checkin", checkin.id, after={
        "checkin_id": checkin.id, "cadre_id": checkin.cadre_id, "village_code": village.code,
        "local_date": checkin.local_date.isoformat(), "flags": list(checkin.flags), "decision": review.decision,
        "note": review.note})
    photos = await _photos(session, Photo.checkin_id, [checkin.id])
    return _checkin_out(checkin, cadre_name, village, photos[checkin.id], review, p)


def _reviewed(r: CheckinReview) -> Conflict:
    return Conflict(f"This check-in was already {r.decision} by {r.reviewed_by}", code="checkin_already_reviewed",
                    extra={"decision": r.decision, "reviewed_by": r.reviewed_by})


# ------------------------------------------------------------------------------------------
# Work logs
# ------------------------------------------------------------------------------------------


async def _log_by_key(session: AsyncSession, user_id: int, key: str) -> WorkLog | None:
    return (await session.execute(
        select(WorkLog).where(WorkLog.user_id == user_id, WorkLog.client_key == key))).scalar_one_or_none()


def _check_log_replay(w: Writer, existing: WorkLog, digest: str) -> None:
    if existing.body_hash != digest or existing.village_id != w.village.id:
        raise Unprocessable("This Idempotency-Key was used with a different work log", code="idempotency_key_reused")


async def _replayed_log(session: AsyncSession, w: Writer, existing: WorkLog, digest: str) -> LogOut:
    _check_log_replay(w, existing, digest)
    photos = await _photos(session, Photo.log_id, [existing.id])
    findings = await _finding_ids(session, [existing.id])
    return _log_out(existing, w.cadre.name, w.village, photos[existing.id], findings.get(existing.id))


def _new_log(w: Writer, p: Principal, data: LogIn, key: str | None, digest: str, received: datetime) -> WorkLog:
    """The row a work log arriving now becomes (its times checked); not yet added."""
    return WorkLog(**_log_values(w, p, data, key, digest, received))


def _log_values(w: Writer, p: Principal, data: LogIn, key: str | None, digest: str,
                received: datetime) -> dict[str, Any]:
    _time_errors(rules.client_time_problem(data.written_at, received), "written_at")
    log_day = data.log_date or rules.local_date(data.written_at)
    _time_errors(rules.log_date_problem(log_day, data.written_at), "log_date")
    return dict(cadre_id=w.cadre.id, village_id=w.village.id, user_id=p.id, client_key=key, body_hash=digest,
                written_at=data.written_at, log_date=log_day, text=data.text, roles=[_ROLE_VALUE[r] for r in data.roles],
                members_recruited=data.members_recruited, activities_held=data.activities_held,
                members_active=data.members_active, activists_found=data.activists_found,
                activity_attendance=data.activity_attendance, policy_issues=data.policy_issues,
                discipline_issues=data.discipline_issues, oversight_note=data.oversight_note)


async def raise_findings(session: AsyncSession, logs: list[Any]) -> dict[int, list[int]]:
    """The open oversight findings of new logs, one per kind found (a policy one for policy_issues
    above 0, a discipline one for discipline_issues above 0: each kind is followed up on its own), in
    one INSERT; the finding ids by log id, the policy one first."""
    values = [{"log_id": g.id, "village_id": g.village_id, "cadre_id": g.cadre_id, "found_on": g.log_date,
               "kind": kind, "policy_issues": g.policy_issues if kind == "policy" else 0,
               "discipline_issues": g.discipline_issues if kind == "discipline" else 0, "text": g.oversight_note or ""}
              for g in logs for kind, n in (("policy", g.policy_issues), ("discipline", g.discipline_issues)) if n > 0]
    if not values:
        return {}
    out: dict[int, list[int]] = {}
    for log_id, finding_id in sorted((await session.execute(insert(OversightFinding).returning(
            OversightFinding.log_id, OversightFinding.id), values)).all(), key=lambda r: r[1]):
        out.setdefault(log_id, []).append(finding_id)
    return out


async def _finding_ids(session: AsyncSession, log_ids: list[int]) -> dict[int, list[int]]:
    if not log_ids:
        return {}
    out: dict[int, list[int]] = {}
    for log_id, finding_id in (await session.execute(select(OversightFinding.log_id, OversightFinding.id).where(
            OversightFinding.log_id.in_(log_ids)).order_by(OversightFinding.id))).all():
        out.setdefault(log_id, []).append(finding_id)
    return out


async def create_log(session: AsyncSession, p: Principal, data: LogIn, key: str | None) -> tuple[LogOut, bool]:
    w = await writer(session, p, data.village_code)
    digest = body_hash(data)
    if key is not None and (existing := await _log_by_key(session, p.id, key)) is not None:
        return await _replayed_log(session, w, existing, digest), False
    row = _new_log(w, p, data, key, digest, now())
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        if key is not None and (existing := await _log_by_key(session, p.id, key)) is not None:
            return await _replayed_log(session, w, existing, digest), False
        raise
    findings = await raise_findings(session, [row])
    await audit.record(session, p, "cadre_log.create", "cadre_log", row.id, after=audit.snapshot(row, "body_hash"))
    return _log_out(row, w.cadre.name, w.village, [], findings.get(row.id)), True


async def list_logs(session: AsyncSession, p: Principal, *, village_code: str | None, cadre_id: int | None,
                    role: SevenRole | None, date_from: date | None, date_to: date | None, mine: bool,
                    cursor: str | None, limit: int) -> LogPage:
    stmt = (select(WorkLog, Cadre.name, Village).join(Cadre, Cadre.id == WorkLog.cadre_id)
            .join(Village, Village.id == WorkLog.village_id).where(WorkLog.village_id.in_(village_ids(p))))
    if village_code:
        stmt = stmt.where(WorkLog.village_id == (await _scoped_village(session, p, village_code)).id)
    if cadre_id is not None:
        stmt = stmt.where(WorkLog.cadre_id == cadre_id)
    if role is not None:
        stmt = stmt.where(WorkLog.roles.contains([role.value]))
    if date_from:
        stmt = stmt.where(WorkLog.log_date >= date_from)
    if date_to:
        stmt = stmt.where(WorkLog.log_date <= date_to)
    if mine:
        stmt = stmt.where(WorkLog.user_id == p.id)
    after = _cursor_clause(cursor, WorkLog.log_date, WorkLog.id)
    if after is not None:
        stmt = stmt.where(after)
    rows = (await session.execute(stmt.order_by(WorkLog.log_date.desc(), WorkLog.id.desc()).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    photos = await _photos(session, Photo.log_id, [g.id for g, _, _ in rows])
    findings = await _finding_ids(session, [g.id for g, _, _ in rows])
    items = [_log_out(g, name, v, photos[g.id], findings.get(g.id)) for g, name, v in rows]
    last = rows[-1][0] if rows else None
    return LogPage(items=items, next_cursor=rules.encode_cursor(last.log_date, last.id) if more and last else None)


# ------------------------------------------------------------------------------------------
# Photos
# ------------------------------------------------------------------------------------------


async def add_photo(session: AsyncSession, p: Principal, kind: str, owner_id: int,
                    content: bytes) -> tuple[PhotoOut, bool]:
    """Store a photo of one's own check-in or log; (photo, created). The same bytes sent again to
    the same entry (a phone retrying an upload whose answer it never got) are the photo already
    stored, answered again and not stored twice: the content's SHA-256 is the upload's key."""
    owner: Checkin | WorkLog | None
    if kind == "checkin":
        owner = (await session.execute(select(Checkin).where(
            Checkin.id == owner_id, Checkin.village_id.in_(village_ids(p))).with_for_update())).scalar_one_or_none()
    else:
        owner = (await session.execute(select(WorkLog).where(
            WorkLog.id == owner_id, WorkLog.village_id.in_(village_ids(p))).with_for_update())).scalar_one_or_none()
    if owner is None:
        raise NotFound(f"{'Check-in' if kind == 'checkin' else 'Work log'} {owner_id} not found",
                       code="checkin_not_found" if kind == "checkin" else "log_not_found")
    require(p, CADRES, CadreAction.fieldwork, detail="Only the cadre who wrote it adds photos")
    if owner.user_id != p.id:
        raise Forbidden("Only the cadre who wrote it adds photos")
    limit = photo_limit()
    if not content:
        raise PhotoTypeRefused("The photo is empty", extra={"accepted": ["image/jpeg", "image/png", "image/webp"]})
    if len(content) > limit:
        raise PhotoTooLarge(f"A photo holds at most {limit} bytes; shrink it first", extra={"max_bytes": limit})
    media_type = sniff_image(content)
    if media_type is None:
        raise PhotoTypeRefused("Attach a JPEG, PNG or WebP photo",
                               extra={"accepted": ["image/jpeg", "image/png", "image/webp"]})
    column = Photo.checkin_id if kind == "checkin" else Photo.log_id
    digest = hashlib.sha256(content).hexdigest()
    # The owner row is locked above, so two copies of one upload racing are serialised here.
    same = (await session.execute(select(Photo).where(column == owner.id, Photo.sha256 == digest)
                                  .order_by(Photo.id).limit(1))).scalar_one_or_none()
    if same is not None:
        return _photo_out(same), False
    count = (await session.execute(select(func.count()).select_from(Photo).where(column == owner.id))).scalar_one()
    if count >= MAX_PHOTOS[kind]:
        raise Conflict(f"At most {MAX_PHOTOS[kind]} photos each", code="too_many_photos",
                       extra={"max_photos": MAX_PHOTOS[kind]})
    photo = Photo(checkin_id=owner.id if kind == "checkin" else None, log_id=owner.id if kind == "log" else None,
                  village_id=owner.village_id, user_id=p.id, content_type=media_type, size=len(content),
                  sha256=digest, content=content, uploaded_by=p.name)
    session.add(photo)
    await session.flush()
    await audit.record(session, p, "cadre_photo.create", "cadre_photo", photo.id,
                       after=audit.snapshot(photo, "content"))
    return _photo_out(photo), True


def _photo_out(photo: Photo) -> PhotoOut:
    return PhotoOut(id=photo.id, content_type=photo.content_type, size=photo.size, sha256=photo.sha256,
                    uploaded_at=photo.uploaded_at)


async def get_photo(session: AsyncSession, p: Principal, photo_id: int) -> Photo:
    photo = (await session.execute(
        select(Photo).where(Photo.id == photo_id, Photo.village_id.in_(village_ids(p)))
        .options(undefer(Photo.content)))).scalar_one_or_none()
    if photo is None:
        raise NotFound("Photo not found", code="photo_not_found")
    return photo


# ------------------------------------------------------------------------------------------
# Offline batch sync
# ------------------------------------------------------------------------------------------


def _field_errors(exc: ValidationError, index: int) -> list[dict[str, Any]]:
    return [{"loc": ["body", "items", index, "body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)]


async def sync(session: AsyncSession, p: Principal, req: SyncRequest) -> SyncResponse:
    """Applies a phone's queued writes as the single POSTs would, in order, one refused item never
    sinking the others; but in a few statements for the whole batch (a cadre back in signal after a
    week sends hundreds): the stored keys and taken days read in one, the new rows with their findings
    and audit events written in another. A row the database refuses (a constraint) costs only that
    row: the batch is split around it. A concurrent write of the same key or day is skipped by the
    insert, and those items are decided one by one, as the single POSTs decide a race."""
    _may_write(p)  # the wrong role is refused as a whole (403), as is an account without a cadre below
    results: list[SyncResult | None] = [None] * len(req.items)
    parsed: list[tuple[int, SyncItem, CheckinIn | LogIn, str]] = []
    for i, item in enumerate(req.items):
        if item.kind not in _SYNC_KINDS:
            results[i] = _refused(i, item, 422, "unknown_kind", f"Unknown kind {item.kind!r}: checkin or log")
            continue
        try:
            data: CheckinIn | LogIn = (CheckinIn if item.kind == _CHECKIN else LogIn).model_validate(item.body)
        except ValidationError as exc:
            results[i] = _refused(i, item, 422, "validation_error", "The request is not valid", _field_errors(exc, i))
            continue
        parsed.append((i, item, data, body_hash(data)))

    w, stored_checkins, stored_logs, taken = await _writer_and_stored(session, p, parsed)
    received = now()
    new: list[tuple[int, SyncItem, dict[str, Any]]] = []
    answered: list[tuple[int, SyncItem, Any]] = []  # stored before: duplicates
    repeated: list[tuple[int, SyncItem]] = []  # the same write twice in one batch
    in_batch: dict[tuple[str, str], str] = {}
    flagged: dict[int, dict[str, Any]] = {}  # the events of flagged new check-ins, by index
    for i, item, data, digest in parsed:
        try:
            _check_village(w, data.village_code)
            if isinstance(data, CheckinIn):
                if (old := stored_checkins.get(item.key)) is not None:
                    _check_checkin_replay(w, old, digest)
                    answered.append((i, item, old))
                    continue
            elif (old_log := stored_logs.get(item.key)) is not None:
                _check_log_replay(w, old_log, digest)
                answered.append((i, item, old_log))
                continue
            if (seen := in_batch.get((item.kind, item.key))) is not None:
                if seen != digest:
                    raise Unprocessable("This Idempotency-Key was used with a different write",
                                        code="idempotency_key_reused")
                repeated.append((i, item))
                continue
            if isinstance(data, CheckinIn):
                values = _checkin_values(w, p, data, item.key, digest, received)
                day = rules.local_date(data.checked_at)
                if day in taken:
                    raise _already(day, taken[day])
                taken[day] = None
                if values["flags"]:
                    flagged[i] = _flagged(w, data.checked_at, values["flags"], values["distance_m"])
            else:
                values = _log_values(w, p, data, item.key, digest, received)
            in_batch[(item.kind, item.key)] = digest
            new.append((i, item, values))
        except DomainError as exc:
            results[i] = _refused_by(i, item, exc)

    rows: dict[int, Any] = {}  # the rows stored now, by their item's index
    await _write_new(session, p, new, flagged, rows, results)
    if any(i in rows for i in flagged):
        events.relay_after_commit(session)
    raced = [(i, item) for i, item, _ in new if i not in rows and results[i] is None]
    if raced:
        # Seen in the logs: only a concurrent write of one of the keys or days comes here.
        logger.warning("sync batch: %d of %d new items met a concurrent write of the same key or day; "
                       "deciding them one by one", len(raced), len(new))
        for i, item in raced:
            results[i] = await _sync_one(session, p, i, item)
    first = {(item.kind, item.key): rows[i] for i, item, _ in new if i in rows}
    for i, item in repeated:
        if (row := first.get((item.kind, item.key))) is not None:
            answered.append((i, item, row))
        else:  # its first copy was refused or lost a race: answered as its single POST would be
            results[i] = await _sync_one(session, p, i, item)

    name, village = w.cadre.name, w.village
    for i, item, row in [(i, req.items[i], row) for i, row in rows.items()] + answered:
        if item.kind == _CHECKIN:
            results[i] = _done(i, item, i in rows, checkin=_checkin_out(row, name, village, row.photos, row.review))
        else:
            results[i] = _done(i, item, i in rows, log=_log_out(row, name, village, row.photos, row.finding_ids))
    done = [r for r in results if r is not None]
    assert len(done) == len(req.items)
    tally = Counter(r.status for r in done)
    return SyncResponse(results=done, created=tally[_CREATED], duplicates=tally[_DUPLICATE], refused=tally[_REFUSED])


_SYNC_KINDS = frozenset(k.value for k in SyncKind)
# Enum members and values looked up once: in Python 3.11 each `SyncKind.checkin` or `.value` is a
# descriptor call, and a batch made some 700 of them (half a millisecond).
_CHECKIN, _LOG = SyncKind.checkin.value, SyncKind.log.value
_CREATED, _DUPLICATE, _REFUSED = SyncStatus.created, SyncStatus.duplicate, SyncStatus.refused
_ROLE_VALUE = {r: r.value for r in SevenRole}
_PG = postgresql.dialect()  # type: ignore[no-untyped-call]


class _Stored:
    """A stored row as its column values (what the shaping and the replay checks read), with its
    photos, findings and review: no ORM object (and its bookkeeping) for each of hundreds of rows."""

    def __init__(self, values: dict[str, Any], photos: list[PhotoOut] | None = None,
                 finding_ids: list[int] | None = None, review: Any = None) -> None:
        self.__dict__.update(values)
        self.photos = photos or []
        self.finding_ids = finding_ids or []
        self.review = review


@cache
def _temporal(table: Any) -> tuple[tuple[str, Any], ...]:
    """The table's date and time columns, with how to read them back from JSON."""
    out: list[tuple[str, Any]] = []
    for c in table.columns:
        if isinstance(c.type, DateTime):
            out.append((c.key, datetime.fromisoformat))
        elif isinstance(c.type, Date):
            out.append((c.key, date.fromisoformat))
    return tuple(out)


def _from_json(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    for key, parse in _temporal(table):
        if row.get(key) is not None:
            row[key] = parse(row[key])
    return row


_PHOTOS_JSON = ("(SELECT coalesce(jsonb_agg(jsonb_build_object('id', ph.id, 'content_type', ph.content_type,"
                " 'size', ph.size, 'sha256', ph.sha256, 'uploaded_at', ph.uploaded_at) ORDER BY ph.id), '[]')"
                " FROM cadre_photos ph WHERE ph.{column} = {owner}.id)")
_STORED_SQL = (
    # the writer (as `writer` reads it) and, beside it, what is stored under the batch's keys and days
    "SELECT w.*, s.kind, s.row, s.photos, s.finding_ids, s.review FROM ("
    " SELECT c.id AS cadre_id, c.name AS cadre_name, c.active, v.id AS village_id, v.code AS village_code,"
    " v.name AS village_name, v.lat, v.lng, v.township_code, d.name AS township_name"
    " FROM (SELECT 1) AS one LEFT JOIN cadres c ON c.user_id = :user_id"
    " LEFT JOIN villages v ON v.id = CAST(:village_id AS integer) LEFT JOIN divisions d ON d.code = v.township_code"
    ") w LEFT JOIN LATERAL ("
    " SELECT 'log' AS kind, to_jsonb(g) AS row, " + _PHOTOS_JSON.format(column="log_id", owner="g") + " AS photos,"
    " ARRAY(SELECT f.id FROM cadre_findings f WHERE f.log_id = g.id ORDER BY f.id) AS finding_ids,"
    # Each key and day looked up in its unique index: a LATERAL ... LIMIT 1 per key (both indexes are
    # unique) is not turned into a join, which the planner, misjudging the account's rows (stale or no
    # statistics), ran as a scan of all the account's logs or all check-ins hashed: 1.7 ms a batch
    # for a cadre with 2,000 logs, growing with each one, against 0.2 ms.
    " NULL::jsonb AS review FROM unnest(CAST(:log_keys AS varchar[])) AS k(key) CROSS JOIN LATERAL"
    " (SELECT * FROM cadre_logs x WHERE x.user_id = :user_id AND x.client_key = k.key LIMIT 1) g"
    " UNION ALL"
    " SELECT 'checkin', to_jsonb(c), " + _PHOTOS_JSON.format(column="checkin_id", owner="c") + ", NULL,"
    " (SELECT to_jsonb(r) FROM cadre_checkin_reviews r WHERE r.checkin_id = c.id) FROM ("
    "  SELECT ck.id FROM unnest(CAST(:checkin_keys AS varchar[])) AS k(key) CROSS JOIN LATERAL"
    "  (SELECT x.id FROM cadre_checkins x WHERE x.user_id = :user_id AND x.client_key = k.key LIMIT 1) ck"
    "  UNION SELECT cd.id FROM unnest(CAST(:days AS date[])) AS d(day) CROSS JOIN LATERAL"
    "  (SELECT x.id FROM cadre_checkins x WHERE x.cadre_id = w.cadre_id AND x.village_id = w.village_id"
    "  AND x.local_date = d.day LIMIT 1) cd"
    " ) ids CROSS JOIN LATERAL (SELECT * FROM cadre_checkins x WHERE x.id = ids.id LIMIT 1) c"
    ") s ON true")


async def _writer_and_stored(session: AsyncSession, p: Principal, parsed: list[tuple[int, SyncItem, Any, str]],
                             ) -> tuple[Writer, dict[str, Any], dict[str, Any], dict[date, int | None]]:
    """In one read: the writer, checked as `writer` checks it; the account's stored check-ins and
    logs under the batch's keys (with their photos, findings and review, for answering a replay);
    and the batch's days already checked in (their ids). Read before the write, not folded into it:
    the new rows' values (the cadre, the distance from the village's position, the flags) need the
    writer first, and a writer cached across requests would see a deactivated cadre or a moved
    village late."""
    checkin_keys = [it.key for _, it, d, _ in parsed if isinstance(d, CheckinIn)]
    log_keys = [it.key for _, it, d, _ in parsed if isinstance(d, LogIn)]
    days = sorted({rules.local_date(d.checked_at) for _, _, d, _ in parsed if isinstance(d, CheckinIn)})
    got = (await session.execute(_stored_sql(), {
        "user_id": p.id, "village_id": p.village_id, "log_keys": log_keys, "checkin_keys": checkin_keys,
        "days": days})).all()
    head = got[0]
    cadre = Cadre(id=head.cadre_id, name=head.cadre_name, active=head.active) if head.cadre_id is not None else None
    village = Village(id=head.village_id, code=head.village_code, name=head.village_name, lat=head.lat, lng=head.lng,
                      township_code=head.township_code) if head.village_id is not None else None
    w = _writer_of(p, cadre, village, head.township_name)
    checkins: dict[str, Any] = {}
    logs: dict[str, Any] = {}
    taken: dict[date, int | None] = {}
    key_set, day_set = set(checkin_keys), set(days)
    for r in got:
        if r.kind is None:
            continue
        shots = [PhotoOut.model_validate(ph) for ph in r.photos]
        if r.kind == "log":
            g: Any = _Stored(_from_json(WorkLog.__table__, r.row), shots, list(r.finding_ids))
            logs[g.client_key] = g
            continue
        c: Any = _Stored(_from_json(Checkin.__table__, r.row), shots,
                         review=_Stored(_from_json(CheckinReview.__table__, r.review)) if r.review else None)
        if c.user_id == p.id and c.client_key in key_set:
            checkins[c.client_key] = c
        if c.cadre_id == w.cadre.id and c.village_id == w.village.id and c.local_date in day_set:
            taken[c.local_date] = c.id
    return w, checkins, logs, taken


_CHECKIN_COLUMNS = ("cadre_id", "village_id", "user_id", "client_key", "body_hash", "checked_at", "received_at", "lat",
                    "lng", "accuracy_m", "note", "distance_m", "flags")
_LOG_COLUMNS = ("cadre_id", "village_id", "user_id", "client_key", "body_hash", "written_at", "log_date", "text",
                "roles", "members_recruited", "activities_held", "members_active", "activists_found",
                "activity_attendance", "policy_issues", "discipline_issues", "oversight_note")


@cache
def _stored_sql() -> TextClause:
    return text(_STORED_SQL)


@cache
def _write_sql() -> TextClause:
    """One statement for a batch's new rows: the check-ins and the logs (each table's rows in one JSON
    parameter, in the batch's order; a row whose key or day a concurrent write took is skipped, not an
    error), the logs' findings (one per kind found, policy first) and an audit event for each row
    stored (holding the row as stored, without its body hash, unsealed, in the batch's order), and a
    flagged check-in's `cadre_checkin.flagged` event in the outbox."""

    def recordset(param: str, table: Any, cols: tuple[str, ...], extra: str = "") -> str:
        spec = ", ".join(f"{c} {table.c[c].type.compile(dialect=_PG)}" for c in cols)
        return f"SELECT * FROM jsonb_to_recordset(CAST(:{param} AS jsonb)) AS r(n integer, {spec}{extra})"

    cc, lc = ", ".join(_CHECKIN_COLUMNS), ", ".join(_LOG_COLUMNS)
    return text(
        f"WITH c_in AS ({recordset('checkins', Checkin.__table__, _CHECKIN_COLUMNS, ', event jsonb')}),"
        f" c_new AS (INSERT INTO cadre_checkins ({cc}) SELECT {cc} FROM c_in ORDER BY n"
        "  ON CONFLICT DO NOTHING RETURNING *),"
        f" g_in AS ({recordset('logs', WorkLog.__table__, _LOG_COLUMNS)}),"
        f" g_new AS (INSERT INTO cadre_logs ({lc}) SELECT {lc} FROM g_in ORDER BY n"
        "  ON CONFLICT DO NOTHING RETURNING *),"
        " c_out AS (SELECT i.n, c.* FROM c_new c JOIN c_in i ON i.client_key = c.client_key),"
        " g_out AS (SELECT i.n, g.* FROM g_new g JOIN g_in i ON i.client_key = g.client_key),"
        " f_new AS (INSERT INTO cadre_findings (log_id, village_id, cadre_id, found_on, kind, policy_issues,"
        "  discipline_issues, text)"
        "  SELECT g.id, g.village_id, g.cadre_id, g.log_date, k.kind, k.policy, k.discipline,"
        "  coalesce(g.oversight_note, '') FROM g_out g CROSS JOIN LATERAL (VALUES"
        "  (1, 'policy', g.policy_issues, 0), (2, 'discipline', 0, g.discipline_issues)) AS k(o, kind, policy,"
        "  discipline) WHERE k.policy + k.discipline > 0 ORDER BY g.n, k.o RETURNING log_id, id),"
        " a_new AS (INSERT INTO audit_events (at, actor, actor_name, action, entity, entity_id, after)"
        "  SELECT CAST(:at AS timestamptz), CAST(:actor AS varchar), CAST(:actor_name AS varchar), e.action,"
        "  e.entity, e.id::varchar, e.after FROM ("
        "   SELECT c.n, 'cadre_checkin.create' AS action, 'cadre_checkin' AS entity, c.id,"
        "   to_jsonb(c) - 'n' - 'body_hash' AS after FROM c_out c"
        "   UNION ALL SELECT g.n, 'cadre_log.create', 'cadre_log', g.id, to_jsonb(g) - 'n' - 'body_hash' FROM g_out g"
        "  ) e ORDER BY e.n RETURNING id, entity, entity_id),"
        # a flagged check-in's event, in the outbox beside its audit event (as events.publish writes it)
        " o_new AS (INSERT INTO outbox_events (event_type, entity, entity_id, actor, payload, audit_event_id,"
        "  created_at) SELECT :flagged, 'cadre_checkin', a.entity_id, CAST(:actor AS varchar),"
        "  jsonb_build_object('checkin_id', c.id) || i.event, a.id,"
        "  CAST(:at AS timestamptz) FROM c_out c JOIN c_in i ON i.n = c.n JOIN a_new a"
        "  ON a.entity = 'cadre_checkin' AND a.entity_id = c.id::varchar WHERE i.event IS NOT NULL ORDER BY c.n)"
        " SELECT c.n, c.id, c.received_at, c.local_date AS day, NULL::integer[] AS finding_ids FROM c_out c"
        " UNION ALL SELECT g.n, g.id, g.received_at, g.log_date,"
        " ARRAY(SELECT f.id FROM f_new f WHERE f.log_id = g.id ORDER BY f.id) FROM g_out g")


async def _write_new(session: AsyncSession, p: Principal, new: list[tuple[int, SyncItem, dict[str, Any]]],
                     flagged: dict[int, dict[str, Any]], rows: dict[int, Any],
                     results: list[SyncResult | None]) -> None:
    """Stores the new items in one statement, in a savepoint, into `rows` (by index). When the database
    refuses the statement for a row's values (a constraint, SQLSTATE 22 or 23), the items are split in
    halves and each half tried again, down to the refused items alone, which are answered as their
    single POST would be (409 or 422): a refused row costs a few statements, the others keep the batch's."""
    if not new:
        return
    checkins = [{"n": i, **v, "event": flagged.get(i)} for i, item, v in new if item.kind == _CHECKIN]
    logs = [{"n": i, **v} for i, item, v in new if item.kind == _LOG]
    # A savepoint of our own, left to the commit to release (a round trip less than begin_nested's):
    # the statement's refusal undoes only it. The statement alone is atomic, but its error aborts the
    # transaction, and going on (the halves) without a savepoint would mean rolling back all of it,
    # with whatever it held before (an Idempotency-Key request's, the idempotency layer's own): kept,
    # for one round trip (0.3 ms of a batch's 20 or so).
    conn = await session.connection()
    await conn.exec_driver_sql("SAVEPOINT sync_write")
    try:
        got = (await session.execute(_write_sql(), {
            "checkins": to_json(checkins).decode(), "logs": to_json(logs).decode(),
            "at": clock.now(), "actor": p.key, "actor_name": p.name, "flagged": FLAGGED})).all()
    except DBAPIError as exc:
        refusal = database_refusal(exc)
        if refusal is None:
            raise
        await conn.exec_driver_sql("ROLLBACK TO SAVEPOINT sync_write")
        if len(new) > 1:
            half = len(new) // 2
            await _write_new(session, p, new[:half], flagged, rows, results)
            await _write_new(session, p, new[half:], flagged, rows, results)
            return
        i, item, _ = new[0]
        logger.warning("sync item %d (%s) refused by the database (SQLSTATE %s)", i, item.kind, sqlstate(exc))
        status, code, _, detail = refusal
        results[i] = _refused(i, item, status, code, detail)
        return
    values = {i: v for i, _, v in new}
    for n, row_id, received_at, day, finding_ids in got:
        row = {**values[n], "id": row_id, "received_at": received_at}
        row["local_date" if "checked_at" in row else "log_date"] = day
        rows[n] = _Stored(row, finding_ids=list(finding_ids or []))


def _refused(index: int, item: SyncItem, status: int, code: str, detail: str,
             errors: list[dict[str, Any]] | None = None) -> SyncResult:
    return SyncResult(index=index, key=item.key, kind=item.kind, status=_REFUSED, http_status=status,
                      code=code, detail=detail, errors=errors)


def _refused_by(index: int, item: SyncItem, exc: DomainError) -> SyncResult:
    errors = [{**e, "loc": ["body", "items", index, *e["loc"]]} for e in exc.errors] if exc.errors else None
    return _refused(index, item, exc.status, exc.code, exc.detail, errors)


def _done(index: int, item: SyncItem, created: bool, *, checkin: CheckinOut | None = None,
          log: LogOut | None = None) -> SyncResult:
    return _built(SyncResult, dict(index=index, key=item.key, kind=item.kind,
                                   status=_CREATED if created else _DUPLICATE,
                                   http_status=201 if created else 200, code=None, detail=None, errors=None,
                                   checkin=checkin, log=log))


async def _sync_one(session: AsyncSession, p: Principal, index: int, item: SyncItem) -> SyncResult:
    """One item on its own, in a savepoint: how a batch decides an item that lost a race."""
    data: CheckinIn | LogIn = (CheckinIn if item.kind == _CHECKIN else LogIn).model_validate(item.body)
    try:
        async with session.begin_nested():
            if isinstance(data, CheckinIn):
                checkin, created = await create_checkin(session, p, data, item.key)
                return _done(index, item, created, checkin=checkin)
            log, created = await create_log(session, p, data, item.key)
            return _done(index, item, created, log=log)
    except DomainError as exc:
        return _refused_by(index, item, exc)
    except DBAPIError as exc:
        if (refusal := database_refusal(exc)) is None:
            raise
        status, code, _, detail = refusal
        return _refused(index, item, status, code, detail)


# ------------------------------------------------------------------------------------------
# My day (the phone's check-in page) and the monthly attendance summary
# ------------------------------------------------------------------------------------------


async def my_day(session: AsyncSession, p: Principal) -> tuple[Writer, date, CheckinOut | None]:
    w = await writer(session, p)
    day = today()
    row = (await session.execute(select(Checkin).where(
        Checkin.cadre_id == w.cadre.id, Checkin.village_id == w.village.id, Checkin.local_date == day))).scalar()
    if row is None:
        return w, day, None
    photos = await _photos(session, Photo.checkin_id, [row.id])
    review = (await _reviews(session, [row.id])).get(row.id)
    return w, day, _checkin_out(row, w.cadre.name, w.village, photos[row.id], review)


def village_ref(w: Writer) -> CadreVillageRef:
    return CadreVillageRef(code=w.village.code, name=w.village.name, township_code=w.village.township_code,
                      township_name=w.township_name)


async def attendance(session: AsyncSession, p: Principal, *, month: str, township_code: str | None,
                     village_code: str | None) -> AttendanceOut:
    try:
        first, last = rules.month_bounds(month)
    except ValueError:
        raise Unprocessable("month must be YYYY-MM", code="validation_error", errors=[
            {"loc": ["query", "month"], "msg": "must be YYYY-MM", "type": "value_error"}]) from None
    scope: list[ColumnElement[bool]] = [village_clause(p)]
    if township_code:
        visible = (await session.execute(select(func.count()).select_from(Village).where(
            Village.township_code == township_code, village_clause(p)))).scalar_one()
        if not visible:
            raise NotFound(f"Township {township_code} not found", code="township_not_found")
        scope.append(Village.township_code == township_code)
    if village_code:
        scope.append(Village.id == (await _scoped_village(session, p, village_code)).id)
    in_scope = select(Village.id).where(*scope)

    pairs: set[tuple[int, int]] = set()
    posted = (await session.execute(select(Posting.cadre_id, Posting.village_id, Posting.start_date,
                                           Posting.end_date).where(
        Posting.village_id.in_(in_scope), Posting.start_date <= last,
        Posting.end_date.is_(None) | (Posting.end_date >= first), Posting.end_date.is_(None)
        | (Posting.end_date >= Posting.start_date)))).all()
    periods: dict[tuple[int, int], list[tuple[date, date | None]]] = {}
    for c, v, start, end in posted:
        periods.setdefault((c, v), []).append((start, end))
    pairs.update(periods)
    day_now = today()
    days: dict[tuple[int, int], list[date]] = {}
    flagged: dict[tuple[int, int], list[FlaggedDay]] = {}
    for c, v, d, cid, flags, decision in (await session.execute(
            select(Checkin.cadre_id, Checkin.village_id, Checkin.local_date, Checkin.id, Checkin.flags,
                   CheckinReview.decision)
            .outerjoin(CheckinReview, CheckinReview.checkin_id == Checkin.id)
            .where(Checkin.village_id.in_(in_scope), Checkin.local_date.between(first, last))
            .order_by(Checkin.local_date))).all():
        if counts(flags, decision):
            days.setdefault((c, v), []).append(d)
        else:
            flagged.setdefault((c, v), []).append(FlaggedDay(
                day=d, checkin_id=cid, flags=[CheckinFlag(f) for f in flags],
                review=ReviewDecision(decision) if decision else None))
        pairs.add((c, v))
    sums: dict[tuple[int, int], tuple[int, ...]] = {}
    for c, v, *vals in (await session.execute(
            select(WorkLog.cadre_id, WorkLog.village_id, func.count(), func.sum(WorkLog.members_recruited),
                   func.sum(WorkLog.activities_held), func.sum(WorkLog.members_active),
                   func.sum(WorkLog.policy_issues), func.sum(WorkLog.discipline_issues))
            .where(WorkLog.village_id.in_(in_scope), WorkLog.log_date.between(first, last))
            .group_by(WorkLog.cadre_id, WorkLog.village_id))).all():
        sums[(c, v)] = tuple(int(x or 0) for x in vals)
    pairs.update(sums)

    cadres = {c.id: c for c in (await session.execute(
        select(Cadre).where(Cadre.id.in_({c for c, _ in pairs})))).scalars()} if pairs else {}
    villages = {v.id: (v, tn) for v, tn in (await session.execute(
        select(Village, Division.name).join(Division, Division.code == Village.township_code)
        .where(Village.id.in_({v for _, v in pairs})))).all()} if pairs else {}
    rows = []
    for c_id, v_id in pairs:
        cadre, (village, tn) = cadres[c_id], villages[v_id]
        checked = days.get((c_id, v_id), [])
        n, rec, act, mem, pol, dis = sums.get((c_id, v_id), (0, 0, 0, 0, 0, 0))
        rows.append(AttendanceRow(
            cadre_id=c_id, cadre_name=cadre.name, home_unit=cadre.home_unit, village_code=village.code,
            village_name=village.name, township_code=village.township_code, township_name=tn,
            checkin_days=len(checked), days=checked,
            posted_days=rules.posted_days(periods.get((c_id, v_id), []), first, last, day_now),
            flagged_days=len(flagged.get((c_id, v_id), [])), flagged=flagged.get((c_id, v_id), []),
            logs=n, members_recruited=rec, activities_held=act, members_active=mem,
            policy_issues=pol, discipline_issues=dis))
    rows.sort(key=lambda r: (r.township_code, r.village_code, r.cadre_name, r.cadre_id))
    return AttendanceOut(month=month, first_day=first, last_day=last, days_in_month=(last - first).days + 1,
                         counted_until=max(min(last, day_now), first - timedelta(days=1)),
                         township_code=township_code, rows=rows)
