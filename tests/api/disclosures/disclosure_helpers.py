"""Shared values for the disclosure API tests (demo county 230199000000).

Demo facts relied on: township01 holds the first weak village 230199100200 (secretary01's,
committee01's; agency01 keeps its account); township02 does not see it; the county template has two
party items, two village items and the finance item."""

from typing import Any

COUNTY = "230199000000"
T01 = "230199100000"
T02 = "230199101000"
VILLAGE = "230199100200"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"x" * 64
API = "/api/v1/disclosures"


def texts(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An entry for every typed item."""
    return [{"item_id": i["id"], "text": f"本月{i['title']}：详见公开栏"} for i in items if i["section"] != "finance"]
