"""Values for the discipline-case register's API tests."""

from typing import Any

VILLAGE_T01 = "230199100200"  # township 01's first village (demo)
VILLAGE_T02 = "230199101200"  # township 02's first village (demo)


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"case_number": "测纪案〔2025〕1号", "filed_on": "2025-03-05", "village_code": VILLAGE_T01,
                            "person_role": "branch_secretary", "person_name": "李建国",
                            "violation": "embezzlement", "outcome": "pending", "notes": "群众举报"}
    body.update(overrides)
    return body
