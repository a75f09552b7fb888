"""Screening rounds: open, score (township scope), propose with reasons, confirm (county only)."""

import io

import openpyxl
from rectification_helpers import (
    CRITERIA,
    DEMO_WEAK_T02,
    T01,
    T02,
    T02_VILLAGES,
    T03,
    sheet,
    t02_scores,
)
from sqlalchemy import func, select

from cunzhi.kit.audit import AuditEvent
from cunzhi.rectification.models import Case, ScoreSheet

R = "/api/v1/screening-rounds"


async def _sheet_count(db) -> int:  # type: ignore[no-untyped-def]
    return (await db.execute(select(func.count()).select_from(ScoreSheet))).scalar_one()


async def test_county_opens_a_round_over_every_township(client, auth, open_round):
    rnd = await open_round()
    assert rnd["status"] == "open"
    assert rnd["townships_total"] == 8 and rnd["townships_proposed"] == 0
    assert [c["code"] for c in rnd["criteria"]] == CRITERIA
    assert rnd["weak_index"] == "60" and rnd["veto_share"] is None
    assert rnd["allowed"] == ["close"]
    r = await client.get(R, headers=await auth("township03"))
    assert rnd["id"] in [x["id"] for x in r.json()]
    # A township official sees its own township only in the detail.
    r = await client.get(f"{R}/{rnd['id']}", headers=await auth("township03"))
    assert [t["code"] for t in r.json()["townships"]] == [T03]
    assert r.json()["allowed"] == []


async def test_only_the_county_opens_rounds(client, auth):
    for user in ("township01", "inspector", "cadre01"):
        r = await client.post(R, json={"title": "x"}, headers=await auth(user))
        assert r.status_code == 403, (user, r.text)
        assert r.json()["code"] == "forbidden"


async def test_open_round_rejects_bad_settings(client, auth, db):
    before = (await db.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
    cases = [
        {"title": "x", "weak_index": "0"},
        {"title": "x", "weak_index": "100.5"},
        {"title": "x", "category_share": 60.5},  # a float
        {"title": "x", "township_codes": ["110000000000"]},
        {"title": "x", "township_codes": []},
        {"title": ""},
    ]
    for body in cases:
        r = await client.post(R, json=body, headers=await auth("admin"))
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await db.execute(select(func.count()).select_from(AuditEvent))).scalar_one() == before


async def test_rounds_of_other_roles_are_invisible(client, auth, open_round):
    rnd = await open_round([T02])
    # township01 is not covered by this round, a cadre and a partner unit are not division users.
    for user in ("township01", "cadre01", "partner01"):
        r = await client.get(f"{R}/{rnd['id']}", headers=await auth(user))
        assert r.status_code == 404, user
        assert r.json()["code"] == "round_not_found"
        r = await client.get(R, headers=await auth(user))
        assert rnd["id"] not in [x["id"] for x in r.json()]


async def test_scoring_grid_and_scope(client, auth, open_round, db):
    rnd = await open_round([T01, T02])
    r = await client.get(f"{R}/{rnd['id']}/scores", headers=await auth("township02"))
    assert [x["village_code"] for x in r.json()] == T02_VILLAGES
    assert all(x["scores"] is None for x in r.json())
    r = await client.get(f"{R}/{rnd['id']}/scores", headers=await auth("admin"))
    assert len(r.json()) == 22

    before = await _sheet_count(db)
    # A village of township 01 is out of township 02's scope: 404, and nothing is saved.
    body = {
        "sheets": [
            {"village_code": T02_VILLAGES[0], "scores": sheet()},
            {"village_code": "230199100201", "scores": sheet()},
        ]
    }
    r = await client.post(f"{R}/{rnd['id']}/scores", json=body, headers=await auth("township02"))
    assert r.status_code == 404 and r.json()["code"] == "village_not_found"
    assert await _sheet_count(db) == before
    # Cadres and inspectors do not score.
    r = await client.post(f"{R}/{rnd['id']}/scores", json=body, headers=await auth("inspector"))
    assert r.status_code == 403


async def test_scores_out_of_range_or_incomplete_are_422_and_nothing_is_saved(client, auth, open_round, db):
    rnd = await open_round([T02])
    h = await auth("township02")
    before = await _sheet_count(db)
    bad = [
        (
            {"village_code": T02_VILLAGES[0], "scores": sheet(weak_economy=11)},
            "score_out_of_range",
            "weak_economy",
        ),
        (
            {"village_code": T02_VILLAGES[0], "scores": sheet(weak_branch=-1)},
            "score_out_of_range",
            "weak_branch",
        ),
        (
            {
                "village_code": T02_VILLAGES[0],
                "scores": {**sheet(), "weak_economy": 2.5},
            },
            "score_not_integer",
            None,
        ),
        (
            {"village_code": T02_VILLAGES[0], "scores": {"weak_economy": 3}},
            "score_missing",
            None,
        ),
        (
            {"village_code": T02_VILLAGES[0], "scores": {**sheet(), "bogus": 1}},
            "unknown_criterion",
            "bogus",
        ),
    ]
    for bad_sheet, kind, field in bad:
        good = {"village_code": T02_VILLAGES[1], "scores": sheet()}
        r = await client.post(f"{R}/{rnd['id']}/scores", json={"sheets": [good, bad_sheet]}, headers=h)
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["code"] == "validation_error"
        assert kind in [e["type"] for e in body["errors"]]
        if field:
            assert ["body", "sheets", "1", "scores", field] in [e["loc"] for e in body["errors"]]
    r = await client.post(
        f"{R}/{rnd['id']}/scores",
        json={"sheets": [{"village_code": T02_VILLAGES[0], "scores": sheet()}] * 2},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "duplicate_village"
    assert await _sheet_count(db) == before
    r = await client.get(f"{R}/{rnd['id']}", headers=h)
    assert r.json()["status"] == "open"


async def test_a_village_scored_twice_is_409(client, auth, open_round, db):
    rnd = await open_round([T02])
    h = await auth("township02")
    one = {"sheets": [{"village_code": T02_VILLAGES[0], "scores": sheet(3)}]}
    r = await client.post(f"{R}/{rnd['id']}/scores", json=one, headers=h)
    assert r.status_code == 201
    assert r.json()[0]["scores"] == sheet(3) and r.json()[0]["scored_by"] == "township02"
    r = await client.get(f"{R}/{rnd['id']}", headers=h)
    assert r.json()["status"] == "scoring"
    before = await _sheet_count(db)
    two = {
        "sheets": [
            {"village_code": T02_VILLAGES[1], "scores": sheet(4)},
            {"village_code": T02_VILLAGES[0], "scores": sheet(9)},
        ]
    }
    r = await client.post(f"{R}/{rnd['id']}/scores", json=two, headers=await auth("admin"))
    assert r.status_code == 409
    assert r.json()["code"] == "already_scored" and r.json()["villages"] == [T02_VILLAGES[0]]
    assert await _sheet_count(db) == before
    r = await client.get(f"{R}/{rnd['id']}/scores", headers=h)
    assert r.json()[0]["scores"] == sheet(3) and r.json()[1]["scores"] is None


async def test_village_not_in_the_round(client, auth, open_round):
    rnd = await open_round([T01])
    r = await client.post(
        f"{R}/{rnd['id']}/scores",
        json={"sheets": [{"village_code": T02_VILLAGES[0], "scores": sheet()}]},
        headers=await auth("admin"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "village_not_in_round"


async def test_propose_needs_every_village_scored(client, auth, open_round, score_t02):
    rnd = await open_round([T02])
    h = await auth("township02")
    await client.post(
        f"{R}/{rnd['id']}/scores",
        json={"sheets": [{"village_code": T02_VILLAGES[0], "scores": sheet()}]},
        headers=h,
    )
    r = await client.post(f"{R}/{rnd['id']}/townships/{T02}/proposal", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "scores_incomplete"
    assert set(r.json()["missing"]) == set(T02_VILLAGES[1:])
    assert r.json()["missing"][T02_VILLAGES[1]] == CRITERIA


async def test_township_proposes_only_for_itself(client, auth, open_round):
    rnd = await open_round([T01, T02])
    r = await client.post(f"{R}/{rnd['id']}/townships/{T01}/proposal", headers=await auth("township02"))
    assert r.status_code == 404 and r.json()["code"] == "township_not_found"
    r = await client.post(f"{R}/{rnd['id']}/townships/{T03}/proposal", headers=await auth("admin"))
    assert r.status_code == 404


async def test_proposal_with_reasons(client, auth, open_round, score_t02):
    rnd = await open_round([T01, T02])
    await score_t02(rnd["id"])
    h = await auth("township02")
    r = await client.post(f"{R}/{rnd['id']}/townships/{T02}/proposal", headers=h)
    assert r.status_code == 200, r.text
    detail = r.json()
    # Township 01 has not handed in: the round is still scoring.
    assert detail["status"] == "scoring"
    assert detail["townships"][0]["proposed_by"] == "township02"
    assert detail["townships"][0]["scored"] == 11 and detail["townships"][0]["villages"] == 11
    # Handing in twice, or scoring after handing in, is refused.
    r = await client.post(f"{R}/{rnd['id']}/townships/{T02}/proposal", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "already_proposed"

    r = await client.get(f"{R}/{rnd['id']}/proposals", params={"weak": "true"}, headers=h)
    weak = {p["village_code"]: p for p in r.json()}
    assert set(weak) == {"230199101200", "230199101201", "230199101203"}
    p200 = weak["230199101200"]
    assert p200["index"] == "65" and p200["categories"] == [
        "weak_economy",
        "poor_public_order",
    ]
    assert p200["reasons"][0]["kind"] == "index_reached"
    assert p200["reasons"][0]["text"] == "综合问题指数 65 达到弱村线 60"
    assert {x["criterion"] for x in p200["reasons"][1:]} == {
        "weak_economy",
        "poor_public_order",
    }
    assert weak["230199101201"]["categories"] == CRITERIA
    r = await client.get(f"{R}/{rnd['id']}/proposals", params={"weak": "false"}, headers=h)
    assert len(r.json()) == 8
    assert r.json()[0]["reasons"][0]["kind"] == "index_below"
    # Township 01 cannot see township 02's proposals.
    r = await client.get(f"{R}/{rnd['id']}/proposals", headers=await auth("township01"))
    assert r.json() == []


async def test_confirm_lists_weak_villages_and_opens_cases(client, auth, confirmed_t02, db):
    h = await auth("admin")
    r = await client.get("/api/v1/villages/230199101200", headers=h)
    version_before = r.headers["etag"]
    out = await confirmed_t02(case_deadline="2026-12-31")
    assert out["round"]["status"] == "confirmed" and out["round"]["confirmed_by"] == "admin"
    assert {x["village_code"] for x in out["listed"]} == {
        "230199101200",
        "230199101201",
    }
    assert [(x["village_code"], x["reason"], x["detail"]) for x in out["skipped"]] == [("230199101203", "already_listed", "weak")]
    r = await client.get("/api/v1/villages/230199101200", headers=h)
    v = r.json()
    assert v["status"] == "weak"
    assert v["problem_categories"] == ["weak_economy", "poor_public_order"]
    assert r.headers["etag"] != version_before  # the village's version moved on
    case_id = next(x["case_id"] for x in out["listed"] if x["village_code"] == "230199101200")
    r = await client.get(f"/api/v1/rectification-cases/{case_id}", headers=h)
    case = r.json()
    assert case["status"] == "open" and case["deadline"] == "2026-12-31"
    assert [p["category"] for p in case["problems"]] == [
        "weak_economy",
        "poor_public_order",
    ]
    assert "贫困或集体经济薄弱：10/10 分" in case["problems"][0]["description"]
    assert [e["kind"] for e in case["timeline"]] == ["case_opened", "village_status"]
    # One case per confirmed village, nothing for the clean ones.
    n = (await db.execute(select(func.count()).select_from(Case).where(Case.round_id == out["round"]["id"]))).scalar()
    assert n == 2


async def test_confirm_can_exclude_with_reasons(client, auth, open_round, score_t02):
    rnd = await open_round([T02])
    await score_t02(rnd["id"])
    await client.post(f"{R}/{rnd['id']}/townships/{T02}/proposal", headers=await auth("township02"))
    h = await auth("admin")
    r = await client.post(
        f"{R}/{rnd['id']}/confirm",
        json={"excluded": [{"village_code": "230199101205", "reason": "x"}]},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "not_proposed"
    r = await client.get(f"{R}/{rnd['id']}", headers=h)
    assert r.json()["status"] == "proposed"
    r = await client.post(
        f"{R}/{rnd['id']}/confirm",
        json={"excluded": [{"village_code": "230199101201", "reason": "已由县纪委专项督办"}]},
        headers=h,
    )
    assert r.status_code == 200
    assert [x["village_code"] for x in r.json()["listed"]] == ["230199101200"]
    assert {(x["village_code"], x["reason"]) for x in r.json()["skipped"]} == {
        ("230199101201", "excluded"),
        ("230199101203", "already_listed"),
    }
    r = await client.get("/api/v1/villages/230199101201", headers=h)
    assert r.json()["status"] == "normal"


async def test_only_the_county_confirms(client, auth, open_round, score_t02):
    rnd = await open_round([T02])
    await score_t02(rnd["id"])
    await client.post(f"{R}/{rnd['id']}/townships/{T02}/proposal", headers=await auth("township02"))
    r = await client.post(f"{R}/{rnd['id']}/confirm", headers=await auth("township02"))
    assert r.status_code == 403
    r = await client.get(f"{R}/{rnd['id']}", headers=await auth("admin"))
    assert r.json()["status"] == "proposed" and r.json()["allowed"] == [
        "confirm",
        "close",
    ]


async def test_confirming_twice_or_a_closed_round_is_409(client, auth, open_round, confirmed_t02, db):
    out = await confirmed_t02()
    h = await auth("admin")
    r = await client.post(f"{R}/{out['round']['id']}/confirm", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert r.json()["state"] == "confirmed"
    r = await client.post(f"{R}/{out['round']['id']}/close", json={"reason": "x"}, headers=h)
    assert r.status_code == 409

    rnd = await open_round([T03])
    r = await client.post(f"{R}/{rnd['id']}/close", json={"reason": "重复开启"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["close_reason"] == "重复开启"
    cases_before = (await db.execute(select(func.count()).select_from(Case))).scalar_one()
    r = await client.post(f"{R}/{rnd['id']}/confirm", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition" and r.json()["state"] == "closed"
    assert (await db.execute(select(func.count()).select_from(Case))).scalar_one() == cases_before
    # A closed round takes no more scores.
    r = await client.post(
        f"{R}/{rnd['id']}/scores",
        json={"sheets": [{"village_code": "230199102200", "scores": sheet()}]},
        headers=h,
    )
    assert r.status_code == 409 and r.json()["code"] == "round_not_scoring"


async def test_a_scoring_round_cannot_be_confirmed(client, auth, open_round):
    rnd = await open_round([T02])
    r = await client.post(f"{R}/{rnd['id']}/confirm", headers=await auth("admin"))
    assert r.status_code == 409 and r.json()["state"] == "open"


async def test_round_export_reads_back(client, auth, confirmed_t02):
    out = await confirmed_t02()
    r = await client.get(f"{R}/{out['round']['id']}/export.xlsx", headers=await auth("township02"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb["排查结果"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("乡镇", "村代码", "村名")
    assert "贫困或集体经济薄弱" in rows[0] and "拟列为软弱涣散" in rows[0] and "理由" in rows[0]
    assert [row[1] for row in rows[1:]] == T02_VILLAGES
    by_code = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_code["230199101200"]["贫困或集体经济薄弱"] == 10
    assert by_code["230199101200"]["综合问题指数"] == 65
    assert by_code["230199101200"]["拟列为软弱涣散"] == "是"
    assert by_code["230199101200"]["问题类别"] == "贫困/集体经济薄弱、治安环境差"
    assert by_code["230199101200"]["当前状态"] == "软弱涣散"
    assert by_code["230199101202"]["拟列为软弱涣散"] == "否"
    assert "未达到弱村线" in by_code["230199101202"]["理由"]
    assert wb["说明"]["B2"].value == "2026年软弱涣散村党组织大排查"
    # Out of scope: township 01 does not see this round at all.
    r = await client.get(f"{R}/{out['round']['id']}/export.xlsx", headers=await auth("township01"))
    assert r.status_code == 404


async def test_round_criteria_are_a_snapshot(client, auth, open_round):
    h = await auth("admin")
    rnd = await open_round([T02])
    r = await client.post(
        "/api/v1/criteria",
        json={
            "code": "rotating_secretary",
            "name": "书记轮流坐庄",
            "category": "no_fit_secretary",
            "max_score": 5,
        },
        headers=h,
    )
    assert r.status_code == 201
    r = await client.get(f"{R}/{rnd['id']}", headers=h)
    assert [c["code"] for c in r.json()["criteria"]] == CRITERIA
    rnd2 = await open_round([T02])
    assert [c["code"] for c in rnd2["criteria"]] == [*CRITERIA, "rotating_secretary"]
    # The new criterion's own range applies.
    bad = {
        "sheets": [
            {
                "village_code": T02_VILLAGES[0],
                "scores": {**sheet(), "rotating_secretary": 6},
            }
        ]
    }
    r = await client.post(f"{R}/{rnd2['id']}/scores", json=bad, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == [
        "body",
        "sheets",
        "0",
        "scores",
        "rotating_secretary",
    ]


def test_fixture_scores_are_what_the_tests_assume() -> None:
    assert {"230199101203", "230199101208"} == DEMO_WEAK_T02
    assert t02_scores("230199101200")["weak_economy"] == 10
