"""The month job, with a controllable clock: it opens the month's rounds on the first day (a round fixed
ahead opens then) and flags villages not published after the publish-by day, once."""

from datetime import date

from disclosure_helpers import API, T01, VILLAGE
from sqlalchemy import func, select

from cunzhi.disclosures.jobs import run_month
from cunzhi.disclosures.models import Round
from cunzhi.kit import clock
from cunzhi.kit.events import OutboxEvent


async def test_the_job_opens_the_month_and_flags_late_villages(api, db, publish) -> None:  # type: ignore[no-untyped-def]
    # the township fixes June ahead, at May's end: planned, villages cannot publish yet
    with clock.travel(date(2027, 5, 28)):
        june = await api("township01", "POST", f"{API}/rounds", status=201, json={
            "township_code": T01, "year": 2027, "month": 6, "publish_by": "2027-06-08"})
        assert june["status"] == "planned"
        early = await publish(june["id"], status=409)
        assert early["code"] == "round_not_open"
        assert (await run_month(db))["created"] >= 1  # May's rounds, for every township
    townships = (await db.execute(select(func.count()).select_from(Round).where(
        Round.year == 2027, Round.month == 5))).scalar_one()
    with clock.travel(date(2027, 6, 1)):
        out = await run_month(db)
        assert out["created"] == townships - 1 and out["opened"] == 1 and out["late"] == 0
        assert (await run_month(db)) == {"created": 0, "opened": 0, "late": 0}  # runs as often as it likes
        board = await api("township01", "GET", f"{API}/rounds/{june['id']}")
        assert board["status"] == "open"
        others = (await db.execute(select(Round.publish_by).where(
            Round.year == 2027, Round.month == 6, Round.township_code != T01))).scalars().all()
        assert set(others) == {date(2027, 6, 10)}  # CUNZHI_DISCLOSURE_PUBLISH_BY_DAY
        await publish(june["id"])
    with clock.travel(date(2027, 6, 8)):  # the publish-by day itself: not late yet
        assert (await run_month(db))["late"] == 0
    with clock.travel(date(2027, 6, 9)):
        late = (await run_month(db))["late"]
        board = await api("township01", "GET", f"{API}/rounds/{june['id']}")
        rows = {v["village_code"]: v for v in board["villages"]}
        assert late >= len(rows) - 1
        assert rows[VILLAGE]["late"] is False and rows[VILLAGE]["status"] == "published"
        assert all(v["late"] for c, v in rows.items() if c != VILLAGE)
        assert (await run_month(db))["late"] == 0
    events = (await db.execute(select(func.count()).select_from(OutboxEvent).where(
        OutboxEvent.event_type == "disclosure.late", OutboxEvent.payload["round_id"].as_integer() == june["id"])
    )).scalar_one()
    assert events == len(rows) - 1
