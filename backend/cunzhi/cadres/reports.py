"""The three promotions and two oversights (三促进 两监督) as reports: per village and month, the
figures the stationed cadres' work logs report (members recruited, activists found, organisation
activities held and their attendance, members playing their part, problems found), and the oversight
findings those logs raised with their follow-up state.

* Read by anyone whose scope holds the village, like the other cadres reads; a township or village
  out of scope is 404. One row per village in scope, with or without work, computed in SQL.
* A finding is of one kind, policy or discipline. A work log's counts raise one per kind found; the
  cadre who wrote the log may add more (the same kind and text again is the one already added).
* A finding moves open -> following_up -> resolved, only forward and one step at a time, by the
  county or the township of its village, and one of the discipline kind by the discipline inspector
  of its township (or county) too. The version as read is sent and the row is locked: of two moves at
  once one is made and the other answers 412. Each move is kept in `cadre_finding_events`
  (append-only) and audited.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy import ColumnElement, Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.cadres import rules
from cunzhi.cadres.models import Cadre, FindingEvent, OversightFinding, WorkLog
from cunzhi.cadres.permissions import CADRES, FINDING_MOVES, CadreAction, finding_actions, may_move_finding
from cunzhi.cadres.schemas import (
    FieldworkFigures,
    FieldworkReportOut,
    FieldworkReportRow,
    FindingEventOut,
    FindingIn,
    FindingKind,
    FindingList,
    FindingOut,
    FindingState,
    FindingStateIn,
)
from cunzhi.cadres.service import now
from cunzhi.divisions.models import Division
from cunzhi.kit import audit
from cunzhi.kit.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_clause
from cunzhi.kit.xlsx import add_sheet, filename
from cunzhi.villages.models import Village

LOG_FIGURES = ("members_recruited", "activists_found", "activities_held", "activity_attendance", "members_active",
               "policy_issues", "discipline_issues")
FINDING_FIGURES = ("findings", "findings_open", "findings_following_up", "findings_resolved")
FIGURES = ("logs", *LOG_FIGURES, *FINDING_FIGURES)
FIGURE_ZH = {"logs": "民情日记（篇）", "members_recruited": "发展党员", "activists_found": "发现入党积极分子",
             "activities_held": "开展组织活动（次）", "activity_attendance": "组织活动参加人次",
             "members_active": "党员发挥作用", "policy_issues": "落实政策问题", "discipline_issues": "遵纪守法问题",
             "findings": "发现问题（条）", "findings_open": "待处理", "findings_following_up": "跟进中",
             "findings_resolved": "已解决"}
STATE_ZH = {"open": "待处理", "following_up": "跟进中", "resolved": "已解决"}
KIND_ZH = {"policy": "落实政策", "discipline": "遵纪守法"}
MOVERS = "Only the county or the village's township follows up findings (discipline ones: the inspector too)"


def _month(month: str) -> tuple[date, date]:
    try:
        return rules.month_bounds(month)
    except ValueError:
        raise Unprocessable("month must be YYYY-MM", code="validation_error", errors=[
            {"loc": ["query", "month"], "msg": "must be YYYY-MM", "type": "value_error"}]) from None


async def _scope(session: AsyncSession, p: Principal, township_code: str | None,
                 village_code: str | None) -> list[ColumnElement[bool]]:
    scope: list[ColumnElement[bool]] = [village_clause(p)]
    if township_code:
        visible = (await session.execute(select(func.count()).select_from(Village).where(
            Village.township_code == township_code, village_clause(p)))).scalar_one()
        if not visible:
            raise NotFound(f"Township {township_code} not found", code="township_not_found")
        scope.append(Village.township_code == township_code)
    if village_code:
        found = (await session.execute(select(Village.id).where(Village.code == village_code, *scope))).scalar()
        if found is None:
            raise NotFound(f"Village {village_code} not found", code="village_not_found")
        scope.append(Village.id == found)
    return scope


async def report(session: AsyncSession, p: Principal, *, month: str, township_code: str | None,
                 village_code: str | None) -> FieldworkReportOut:
    first, last = _month(month)
    scope = await _scope(session, p, township_code, village_code)
    logs = (select(WorkLog.village_id, func.count().label("logs"),
                   *[func.sum(getattr(WorkLog, k)).label(k) for k in LOG_FIGURES])
            .where(WorkLog.log_date.between(first, last)).group_by(WorkLog.village_id).subquery())
    state = OversightFinding.state
    findings = (select(OversightFinding.village_id, func.count().label("findings"),
                       *[func.sum(cast(state == s, Integer)).label(f"findings_{s}") for s in FindingState])
                .where(OversightFinding.found_on.between(first, last))
                .group_by(OversightFinding.village_id).subquery())
    cols = [func.coalesce(logs.c[k], 0).label(k) for k in ("logs", *LOG_FIGURES)] + \
        [func.coalesce(findings.c[k], 0).label(k) for k in FINDING_FIGURES]
    stmt = (select(Village.code, Village.name, Village.township_code, Division.name, *cols)
            .join(Division, Division.code == Village.township_code)
            .outerjoin(logs, logs.c.village_id == Village.id)
            .outerjoin(findings, findings.c.village_id == Village.id)
            .where(*scope).order_by(Village.township_code, Village.code))
    rows = []
    for code, name, tcode, tname, *vals in (await session.execute(stmt)).all():
        rows.append(FieldworkReportRow(village_code=code, village_name=name, township_code=tcode,
                                       township_name=tname, **dict(zip(FIGURES, map(int, vals), strict=True))))
    totals = FieldworkFigures(**{k: sum(getattr(r, k) for r in rows) for k in FIGURES})
    return FieldworkReportOut(month=month, first_day=first, last_day=last, township_code=township_code, rows=rows,
                              totals=totals)


def _finding_out(f: OversightFinding, v: Village, tname: str, cadre_name: str, history: list[FindingEvent],
                 p: Principal) -> FindingOut:
    return FindingOut(
        id=f.id, log_id=f.log_id, village_code=v.code, village_name=v.name, township_code=v.township_code,
        township_name=tname, cadre_id=f.cadre_id, cadre_name=cadre_name, found_on=f.found_on,
        kind=FindingKind(f.kind), policy_issues=f.policy_issues, discipline_issues=f.discipline_issues, text=f.text,
        state=FindingState(f.state), state_by=f.state_by, state_at=f.state_at, state_note=f.state_note,
        version=f.version, allowed_actions=finding_actions(p, state=f.state, kind=f.kind),
        history=[FindingEventOut(from_state=FindingState(e.from_state), to_state=FindingState(e.to_state),
                                 note=e.note, by=e.by, at=e.at) for e in history])


def _base() -> Any:
    return (select(OversightFinding, Village, Division.name, Cadre.name)
            .join(Village, Village.id == OversightFinding.village_id)
            .join(Division, Division.code == Village.township_code)
            .join(Cadre, Cadre.id == OversightFinding.cadre_id))


async def _histories(session: AsyncSession, ids: list[int]) -> dict[int, list[FindingEvent]]:
    out: dict[int, list[FindingEvent]] = {i: [] for i in ids}
    if ids:
        for e in (await session.execute(select(FindingEvent).where(FindingEvent.finding_id.in_(ids))
                                        .order_by(FindingEvent.id))).scalars():
            out[e.finding_id].append(e)
    return out


async def list_findings(session: AsyncSession, p: Principal, *, month: str, township_code: str | None,
                        village_code: str | None, state: FindingState | None,
                        kind: FindingKind | None = None) -> FindingList:
    first, last = _month(month)
    scope = await _scope(session, p, township_code, village_code)
    stmt = _base().where(*scope, OversightFinding.found_on.between(first, last))
    if state is not None:
        stmt = stmt.where(OversightFinding.state == state.value)
    if kind is not None:
        stmt = stmt.where(OversightFinding.kind == kind.value)
    rows = (await session.execute(stmt.order_by(Village.township_code, Village.code, OversightFinding.found_on,
                                                OversightFinding.id))).all()
    history = await _histories(session, [f.id for f, *_ in rows])
    return FindingList(month=month, township_code=township_code,
                       items=[_finding_out(f, v, tn, cn, history[f.id], p) for f, v, tn, cn in rows])


async def move_finding(session: AsyncSession, p: Principal, finding_id: int, data: FindingStateIn) -> FindingOut:
    row = (await session.execute(_base().where(OversightFinding.id == finding_id, village_clause(p))
                                 .with_for_update(of=OversightFinding))).first()
    if row is None:
        raise NotFound(f"Finding {finding_id} not found", code="finding_not_found")
    f, v, tn, cn = row
    if not may_move_finding(p, kind=f.kind):
        raise Forbidden(MOVERS)
    move = FINDING_MOVES.get(f.state)
    if move is None or move[0] != data.state.value:
        allowed_next = move[0] if move else None
        raise Conflict(f"A finding {f.state} cannot move to {data.state.value}", code="finding_transition_refused",
                       extra={"state": f.state, "allowed": [allowed_next] if allowed_next else []})
    if data.version != f.version:
        raise PreconditionFailed("The finding was changed by someone else", extra={"version": f.version})
    before = audit.snapshot(f)
    at = now()
    session.add(FindingEvent(finding_id=f.id, from_state=f.state, to_state=data.state.value, note=data.note,
                             by=p.name, at=at))
    f.state, f.state_by, f.state_at, f.state_note, f.version = data.state.value, p.name, at, data.note, f.version + 1
    await session.flush()
    await audit.record(session, p, f"cadre_finding.{move[1].value}", "cadre_finding", f.id, before=before,
                       after=audit.snapshot(f))
    history = await _histories(session, [f.id])
    return _finding_out(f, v, tn, cn, history[f.id], p)


async def add_finding(session: AsyncSession, p: Principal, log_id: int, data: FindingIn) -> tuple[FindingOut, bool]:
    """One more finding on one's own work log; (finding, created). The same kind and text again (a
    phone retrying a write whose answer it never got) is the finding already added."""
    log = (await session.execute(select(WorkLog).where(WorkLog.id == log_id, WorkLog.village_id.in_(
        select(Village.id).where(village_clause(p)))).with_for_update())).scalar_one_or_none()
    if log is None:
        raise NotFound(f"Work log {log_id} not found", code="log_not_found")
    require(p, CADRES, CadreAction.fieldwork, detail="Only the cadre who wrote the log adds findings to it")
    if log.user_id != p.id:
        raise Forbidden("Only the cadre who wrote the log adds findings to it")
    # The log row is locked above, so two copies of one write racing are serialised here.
    same = (await session.execute(select(OversightFinding.id).where(
        OversightFinding.log_id == log.id, OversightFinding.kind == data.kind.value,
        OversightFinding.text == data.text).order_by(OversightFinding.id).limit(1))).scalar_one_or_none()
    created = same is None
    if created:
        discipline = data.kind is FindingKind.discipline
        f = OversightFinding(log_id=log.id, village_id=log.village_id, cadre_id=log.cadre_id, found_on=log.log_date,
                             kind=data.kind.value, policy_issues=0 if discipline else data.issues,
                             discipline_issues=data.issues if discipline else 0, text=data.text)
        session.add(f)
        await session.flush()
        await audit.record(session, p, "cadre_finding.create", "cadre_finding", f.id, after=audit.snapshot(f))
        same = f.id
    row = (await session.execute(_base().where(OversightFinding.id == same))).one()
    f, v, tn, cn = row
    history = await _histories(session, [f.id])
    return _finding_out(f, v, tn, cn, history[f.id], p), created


async def export(session: AsyncSession, p: Principal, *, month: str,
                 township_code: str | None) -> tuple[str, str, bytes]:
    """(Chinese file name, ASCII fallback, XLSX bytes): the report per village and the findings."""
    data = await report(session, p, month=month, township_code=township_code, village_code=None)
    found = await list_findings(session, p, month=month, township_code=township_code, village_code=None, state=None)
    scope_name = data.rows[0].township_name if township_code and data.rows else "全部范围"
    wb = Workbook()
    heads = [FIGURE_ZH[k] for k in FIGURES]
    add_sheet(wb, "分村统计", ["乡镇代码", "乡镇", "村代码", "村", *heads],
              [[r.township_code, r.township_name, r.village_code, r.village_name, *[getattr(r, k) for k in FIGURES]]
               for r in data.rows] + [["合计", "", "", "", *[getattr(data.totals, k) for k in FIGURES]]], first=True)
    add_sheet(wb, "发现问题", ["乡镇", "村", "驻村干部", "发现日期", "类别", "落实政策问题", "遵纪守法问题", "问题",
                           "处理状态", "处理人", "处理时间", "处理说明"],
              [[f.township_name, f.village_name, f.cadre_name, f.found_on.isoformat(), KIND_ZH[f.kind.value],
                f.policy_issues, f.discipline_issues, f.text, STATE_ZH[f.state.value], f.state_by or "",
                f.state_at.astimezone(rules.TIMEZONE).strftime("%Y-%m-%d %H:%M") if f.state_at else "",
                f.state_note or ""] for f in found.items])
    note = "三促进、两监督：驻村干部民情日记所报数字；发现问题按发现日期计入当月，状态为当前状态"
    add_sheet(wb, "说明", ["项目", "内容"], [["月份", month], ["范围", scope_name], ["说明", note]])
    buf = io.BytesIO()
    wb.save(buf)
    return filename("三促进两监督", scope_name, month), f"fieldwork-{month}.xlsx", buf.getvalue()
