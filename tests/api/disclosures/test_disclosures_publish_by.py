"""The township moves a round's publish-by day from its board: the day changes, the round's version
moves on (an older ETag is refused), the change is audited, and a day outside the month is refused."""

from datetime import date

from disclosure_helpers import API
from sqlalchemy import select

from cunzhi.kit import clock
from cunzhi.kit.audit import AuditEvent


async def test_the_township_moves_the_publish_by_day(api, month_round, db) -> None:  # type: ignore[no-untyped-def]
    r = await month_round(2027, 3, publish_by_day=10)
    rid = r["id"]
    board = await api("township01", "GET", f"{API}/rounds/{rid}")
    with clock.travel(date(2027, 3, 4)):
        moved = await api("township01", "PATCH", f"{API}/rounds/{rid}", json={"publish_by": "2027-03-20"},
                          headers={"If-Match": board["_etag"]})
        assert moved["publish_by"] == "2027-03-20"
        assert moved["version"] == board["version"] + 1
        assert moved["_etag"] != board["_etag"]
        # the board reads the new day; the ETag read before the change no longer writes
        after = await api("township01", "GET", f"{API}/rounds/{rid}")
        assert after["publish_by"] == "2027-03-20" and after["_etag"] == moved["_etag"]
        await api("township01", "PATCH", f"{API}/rounds/{rid}", json={"publish_by": "2027-03-25"},
                  headers={"If-Match": board["_etag"]}, status=412)
        outside = await api("township01", "PATCH", f"{API}/rounds/{rid}", json={"publish_by": "2027-04-02"},
                            headers={"If-Match": moved["_etag"]}, status=422)
        assert outside["code"] == "publish_by_outside_month"
        # the village committee does not move it
        await api("secretary01", "PATCH", f"{API}/rounds/{rid}", json={"publish_by": "2027-03-28"},
                  headers={"If-Match": moved["_etag"]}, status=403)
    assert (await api("township01", "GET", f"{API}/rounds/{rid}"))["publish_by"] == "2027-03-20"
    logged = (await db.execute(select(AuditEvent.before, AuditEvent.after).where(
        AuditEvent.action == "disclosure_round.update", AuditEvent.entity_id == str(rid)))).all()
    assert [(b["publish_by"], a["publish_by"]) for b, a in logged] == [("2027-03-10", "2027-03-20")]
