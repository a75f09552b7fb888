"""Correcting a saved score sheet: whole sheet, If-Match, until the township hands in; history kept."""

from rectification_helpers import T01, T02, T02_VILLAGES, sheet
from sqlalchemy import func, select

from cunzhi.kit.audit import AuditEvent
from cunzhi.rectification.models import Event, ScoreSheet

R = "/api/v1/screening-rounds"
V0 = T02_VILLAGES[0]


async def _counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(score sheet rows, audit events, history events): what a refused correction must not change."""
    sheets = (await db.execute(select(func.count()).select_from(ScoreSheet))).scalar_one()
    audits = (await db.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
    events = (await db.execute(select(func.count()).select_from(Event))).scalar_one()
    return sheets, audits, events


async def _scored_round(client, auth, open_round, townships=(T02,)) -> int:  # type: ignore[no-untyped-def]
    rnd = await open_round(list(townships))
    r = await client.post(
        f"{R}/{rnd['id']}/scores",
        json={"sheets": [{"village_code": V0, "scores": sheet(3)}]},
        headers=await auth("township02"),
    )
    assert r.status_code == 201, r.text
    assert r.json()[0]["revision"] == 1
    return rnd["id"]


def _url(rid: int, village: str = V0) -> str:
    return f"{R}/{rid}/scores/{village}"


async def test_township_corrects_its_sheet_and_history_is_kept(client, auth, open_round, db):
    rid = await _scored_round(client, auth, open_round)
    h = await auth("township02")
    r = await client.get(_url(rid), headers=h)
    assert r.status_code == 200 and r.headers["etag"] == 'W/"1"'
    assert r.json()["revision"] == 1 and [x["revision"] for x in r.json()["revisions"]] == [1]

    fixed = sheet(3, weak_economy=7)
    r = await client.put(_url(rid), json={"scores": fixed, "reason": "录入时看错了行"}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == 'W/"2"'
    assert r.json()["scores"] == fixed and r.json()["revision"] == 2 and r.json()["scored_by"] == "township02"

    # The grid shows the current revision; the sheet keeps the first one, superseded.
    r = await client.get(f"{R}/{rid}/scores", headers=h)
    row = next(x for x in r.json() if x["village_code"] == V0)
    assert row["scores"] == fixed and row["revision"] == 2
    r = await client.get(_url(rid), headers=h)
    assert [(x["revision"], x["scores"], x["reason"]) for x in r.json()["revisions"]] == [
        (2, fixed, "录入时看错了行"),
        (1, sheet(3), None),
    ]
    mine = (await db.execute(select(ScoreSheet).where(ScoreSheet.round_id == rid).order_by(ScoreSheet.id))).scalars().all()
    assert [(x.revision, x.supersedes_id) for x in mine] == [(1, None), (2, mine[0].id)]
    assert mine[0].scores == sheet(3)
    r = await client.get(f"{R}/{rid}", headers=h)
    assert [t["scored"] for t in r.json()["townships"]] == [1]  # a corrected village still counts once

    # Audited with before and after, and on the village's history.
    audit = (
        (
            await db.execute(
                select(AuditEvent).where(AuditEvent.action == "screening_score_sheet.correct").order_by(AuditEvent.id.desc())
            )
        )
        .scalars()
        .first()
    )
    assert audit is not None
    assert audit.before["scores"] == sheet(3) and audit.before["revision"] == 1
    assert audit.after["scores"] == fixed and audit.after["revision"] == 2 and audit.after["reason"] == "录入时看错了行"
    r = await client.get(f"/api/v1/rectification/villages/{V0}/history", headers=await auth("admin"))
    hist = next(x for x in r.json()["rounds"] if x["round_id"] == rid)
    assert hist["scores"] == fixed and [x["revision"] for x in hist["score_revisions"]] == [2, 1]
    ev = [e for e in r.json()["events"] if e["kind"] == "score_corrected" and e["round_id"] == rid]
    assert len(ev) == 1 and ev[0]["detail"]["changed"] == {"weak_economy": [3, 7]}

    # Entering the village a second time is still refused.
    r = await client.post(f"{R}/{rid}/scores", json={"sheets": [{"village_code": V0, "scores": sheet(1)}]}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "already_scored"

    # The county may correct too (the township has not handed in); the same values change nothing.
    a = await auth("admin")
    r = await client.put(_url(rid), json={"scores": sheet(3, weak_economy=6)}, headers={**a, "If-Match": 'W/"2"'})
    assert r.status_code == 200 and r.json()["revision"] == 3 and r.json()["scored_by"] == "admin"
    before = await _counts(db)
    r = await client.put(_url(rid), json={"scores": sheet(3, weak_economy=6)}, headers={**a, "If-Match": 'W/"3"'})
    assert r.status_code == 200 and r.json()["revision"] == 3
    assert await _counts(db) == before


async def test_the_proposal_uses_the_latest_revision(client, auth, open_round, score_t02):
    rnd = await open_round([T02])
    await score_t02(rnd["id"])  # 230199101210 is clean: index 20
    h = await auth("township02")
    village = T02_VILLAGES[-1]
    r = await client.put(_url(rnd["id"], village), json={"scores": sheet(9)}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200, r.text
    r = await client.post(f"{R}/{rnd['id']}/townships/{T02}/proposal", headers=h)
    assert r.status_code == 200, r.text
    r = await client.get(f"{R}/{rnd['id']}/proposals", params={"weak": "true"}, headers=h)
    mine = next(x for x in r.json() if x["village_code"] == village)
    assert mine["index"] == "90"
    r = await client.get(f"{R}/{rnd['id']}/export.xlsx", headers=h)
    assert r.status_code == 200


async def test_stale_or_missing_if_match_changes_nothing(client, auth, open_round, db):
    rid = await _scored_round(client, auth, open_round)
    h = await auth("township02")
    r = await client.put(_url(rid), json={"scores": sheet(4)}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200
    before = await _counts(db)
    r = await client.put(_url(rid), json={"scores": sheet(5)}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 412 and r.json()["code"] == "precondition_failed"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["current_version"] == 2
    r = await client.put(_url(rid), json={"scores": sheet(5)}, headers=h)
    assert r.status_code == 428 and r.json()["code"] == "precondition_required"
    r = await client.put(_url(rid), json={"scores": sheet(5)}, headers={**h, "If-Match": "garbage"})
    assert r.status_code == 412
    assert await _counts(db) == before
    r = await client.get(_url(rid), headers=h)
    assert r.json()["scores"] == sheet(4) and r.json()["revision"] == 2


async def test_after_hand_in_or_close_it_is_409(client, auth, open_round, score_t02, db):
    rnd = await open_round([T01, T02])
    await score_t02(rnd["id"])
    h = await auth("township02")
    r = await client.post(f"{R}/{rnd['id']}/townships/{T02}/proposal", headers=h)
    assert r.status_code == 200
    before = await _counts(db)
    for user in ("township02", "admin"):
        r = await client.put(_url(rnd["id"]), json={"scores": sheet(9)}, headers={**await auth(user), "If-Match": 'W/"1"'})
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "township_proposed" and r.json()["townships"] == [T02]
    assert await _counts(db) == before

    rid = await _scored_round(client, auth, open_round)
    r = await client.post(f"{R}/{rid}/close", json={"reason": "重新部署"}, headers=await auth("admin"))
    assert r.status_code == 200
    before = await _counts(db)
    r = await client.put(_url(rid), json={"scores": sheet(9)}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 409 and r.json()["code"] == "round_not_scoring"
    assert await _counts(db) == before


async def test_scope_and_roles(client, auth, open_round, db):
    rid = await _scored_round(client, auth, open_round, townships=(T01, T02))
    body = {"scores": sheet(9)}
    before = await _counts(db)
    # Another township's official: the village is out of scope.
    r = await client.put(_url(rid), json=body, headers={**await auth("township01"), "If-Match": 'W/"1"'})
    assert r.status_code == 404 and r.json()["code"] == "village_not_found"
    r = await client.get(_url(rid), headers=await auth("township01"))
    assert r.status_code == 404
    # A township the round does not cover does not see the round at all.
    r = await client.put(_url(rid), json=body, headers={**await auth("township03"), "If-Match": 'W/"1"'})
    assert r.status_code == 404 and r.json()["code"] == "round_not_found"
    # A village of the round that is not scored yet has no sheet to correct.
    r = await client.put(_url(rid, T02_VILLAGES[1]), json=body, headers={**await auth("township02"), "If-Match": 'W/"1"'})
    assert r.status_code == 404 and r.json()["code"] == "score_sheet_not_found"
    # Readers and village roles may not correct.
    for user in ("inspector", "cadre01", "secretary01", "partner01"):
        r = await client.put(_url(rid), json=body, headers={**await auth(user), "If-Match": 'W/"1"'})
        assert r.status_code == 403, (user, r.text)
        assert r.json()["code"] == "forbidden"
    r = await client.get(_url(rid), headers=await auth("inspector"))
    assert r.status_code == 200 and r.json()["scores"] == sheet(3)
    assert await _counts(db) == before


async def test_bad_input_is_422_naming_the_cell_and_changes_nothing(client, auth, open_round, db):
    rid = await _scored_round(client, auth, open_round)
    h = {**await auth("township02"), "If-Match": 'W/"1"'}
    before = await _counts(db)
    bad = [
        ({"scores": sheet(3, weak_economy=11)}, "score_out_of_range", ["body", "scores", "weak_economy"]),
        ({"scores": sheet(3, weak_branch=-1)}, "score_out_of_range", ["body", "scores", "weak_branch"]),
        ({"scores": {**sheet(3), "many_petitions": 2.5}}, "score_not_integer", ["body", "scores", "many_petitions"]),
        ({"scores": {**sheet(3), "many_petitions": "4"}}, "score_not_integer", ["body", "scores", "many_petitions"]),
        ({"scores": {"weak_economy": 3}}, "score_missing", ["body", "scores", "weak_branch"]),
        ({"scores": {**sheet(3), "bogus": 1}}, "unknown_criterion", ["body", "scores", "bogus"]),
    ]
    for body, kind, loc in bad:
        r = await client.put(_url(rid), json=body, headers=h)
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "validation_error"
        assert {"type": kind, "loc": loc} in [{"type": e["type"], "loc": e["loc"]} for e in r.json()["errors"]], r.text
    for body in ({"scores": sheet(3), "extra": 1}, {}, {"scores": sheet(3), "reason": ""}, {"scores": []}):
        r = await client.put(_url(rid), json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
    assert await _counts(db) == before
    r = await client.get(_url(rid), headers=h)
    assert r.json()["scores"] == sheet(3) and r.json()["revision"] == 1


async def test_another_townships_grid_is_not_found_not_empty(client, auth, open_round):
    rnd = await open_round([T01, T02])
    url = f"{R}/{rnd['id']}/scores"
    r = await client.get(url, params={"township_code": T02}, headers=await auth("township01"))
    assert r.status_code == 404 and r.json()["code"] == "township_not_found"
    r = await client.get(url, params={"township_code": T01}, headers=await auth("township01"))
    assert r.status_code == 200 and len(r.json()) > 0
    rnd2 = await open_round([T02])
    r = await client.get(f"{R}/{rnd2['id']}/scores", params={"township_code": T01}, headers=await auth("admin"))
    assert r.status_code == 404 and r.json()["code"] == "township_not_found"
    # Without a township the grid is the caller's whole part of the round.
    r = await client.get(f"{R}/{rnd['id']}/scores", headers=await auth("township01"))
    assert r.status_code == 200 and {x["village_code"][:9] for x in r.json()} == {T01[:9]}
