"""Shared values for the tasks API tests (demo county 230199000000).

Demo facts relied on: township01 holds the first weak village 230199100200 (cadre01's, secretary01's);
township02 does not see it; partner01 is paired with it; the county's catalogue has the items
`road`, `toilet`, `ind-duck` and the units `km`, `household`, `duck`."""

from datetime import timedelta
from typing import Any

from cunzhi.kit import clock

COUNTY = "230199000000"
T01 = "230199100000"
T02 = "230199101000"
VILLAGE = "230199100200"
T02_VILLAGE = "230199101200"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def due(days: int = 30) -> str:
    return (clock.local_today() + timedelta(days=days)).isoformat()


def task_body(item: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"village_code": VILLAGE, "item_id": overrides.pop("item_id", item), "title": "硬化村东道路",
                            "duties": ["mobilise", "supervise_quality"], "target": "10", "unit": "km",
                            "due_date": due(), "responsible_kind": "village_committee"}
    body.update(overrides)
    return body
