"""A write's body hash is what a replay is recognised by, long after it was queued on a phone: it
must stay the SHA-256 of the body's JSON as the stdlib writes it (sorted keys, compact, UTF-8)."""

import hashlib
import json
from typing import Any

import pytest

from cunzhi.cadres.fieldwork import body_hash
from cunzhi.cadres.schemas import CheckinIn, LogIn


def _stdlib(data: Any, drop_zero: tuple[str, ...] = ()) -> str:
    dumped = data.model_dump(mode="json")
    for k in drop_zero:
        if dumped.get(k) == 0:
            del dumped[k]
    text = json.dumps(dumped, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


TEXTS = ["走访农户8户，了解秋收情况。", 'quote " and back\\slash', "行一\n行二\t制表", "emoji 😀 and \u2028 \u2029 \ufeff",
         "ascii only", "Ā" * 300, "x" * 4999]


@pytest.mark.parametrize("text", TEXTS)
def test_a_work_log_hashes_as_the_stdlib_json_of_its_body(text: str) -> None:
    log = LogIn.model_validate({"written_at": "2026-12-03T08:30:00.123456+08:00", "log_date": "2026-12-02",
                                "text": text, "roles": ["informant", "security_officer"], "members_recruited": 2,
                                "activities_held": 1, "activity_attendance": 30, "policy_issues": 1,
                                "oversight_note": text[:100], "village_code": "230199100200"})
    assert body_hash(log) == _stdlib(log, ("activists_found", "activity_attendance"))
    bare = LogIn.model_validate({"written_at": "2026-12-03T00:30:00Z", "text": text, "roles": ["clerk"]})
    assert body_hash(bare) == _stdlib(bare, ("activists_found", "activity_attendance"))


def test_a_work_log_body_has_no_fraction_and_no_nested_object() -> None:
    """Where pydantic's JSON and the stdlib's could differ (a float's exponent, nested keys' order),
    the work log has nothing: a field added with such a type must take the stdlib's path."""
    schema = LogIn.model_json_schema()

    def types(prop: dict[str, Any]) -> set[str]:
        if "$ref" in prop:
            return types(schema["$defs"][prop["$ref"].rsplit("/", 1)[1]])
        found = {prop["type"]} if "type" in prop else set()
        for sub in prop.get("anyOf", []) + ([prop["items"]] if "items" in prop else []):
            found |= types(sub)
        return found

    seen = set().union(*(types(p) for p in schema["properties"].values()))
    assert seen <= {"string", "integer", "array", "null"}, seen


def test_a_check_in_hashes_as_before_its_floats_included() -> None:
    c = CheckinIn.model_validate({"checked_at": "2026-12-03T08:30:00+08:00", "lat": 45.7581, "lng": 126.6425,
                                  "accuracy_m": 0.00001, "note": "到村"})
    assert body_hash(c) == _stdlib(c)
