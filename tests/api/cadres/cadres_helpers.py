"""Shared values and bodies for the stationed-cadre API tests (demo county 230199000000).

Demo facts relied on: cadre01's account is linked to a cadre posted to township 01's first village
(230199100200, weak), which has check-ins on some of the last 21 days (never today) and 8 work logs.
township01 reads it; township02 does not; partner01 is paired with it.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

COUNTY = "230199000000"
T01 = "230199100000"
T02 = "230199101000"
VILLAGE = "230199100200"  # cadre01's village
OTHER_T01_VILLAGE = "230199100201"
T02_VILLAGE = "230199101200"


def now_iso(delta: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) + delta).astimezone().isoformat()


def checkin_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"checked_at": now_iso(), "lat": 45.7581, "lng": 126.6425, "accuracy_m": 12.5}
    body.update(overrides)
    return body


def log_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"written_at": now_iso(), "text": "走访农户8户，了解秋收情况。", "roles": ["informant"]}
    body.update(overrides)
    return body


def new_key() -> str:
    return str(uuid.uuid4())


async def audit_count(db) -> int:  # type: ignore[no-untyped-def]
    from cunzhi.kit import audit

    return await audit.count(db)


async def table_count(db, model) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    return int((await db.execute(select(func.count()).select_from(model))).scalar_one())
