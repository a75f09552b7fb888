"""The SPA's list of field-error types is the one the server's source raises.

frontend/src/i18n/field-error-types.json (written by `cunzhi export-openapi`) is what the SPA's i18n
test requires a Chinese and an English message for; a type raised by a service and missing from it
would reach the Chinese interface as the generic "取值不正确".
"""

import json
from pathlib import Path

import pytest

from cunzhi.cli import FIELD_TYPES_FILE
from cunzhi.kit import field_types


def test_the_spa_list_is_the_collected_one() -> None:
    listed = json.loads(FIELD_TYPES_FILE.read_text())
    assert listed == field_types.collect(), "run `make openapi` (cunzhi export-openapi) and commit the list"


def test_the_types_the_audit_found_untranslated_are_collected() -> None:
    found = set(field_types.collect())
    for t in ("approved_above_planned", "reason_required", "line_not_in_budget", "date_in_future",
              "unknown_problem", "unknown_measure", "no_townships", "missing_column",
              # computed ones: an InputIssue's code, a FieldProblem's type, a refused webhook URL
              "pin_banned", "bad_threshold", "webhook_url_private_address", "log_date_in_future",
              # pydantic's custom and own types
              "money_format", "missing"):
        assert t in found, t


def _package(tmp_path: Path, source: str) -> Path:
    (tmp_path / "svc.py").write_text(source)
    return tmp_path


def test_a_literal_type_is_collected(tmp_path: Path) -> None:
    pkg = _package(tmp_path, 'def f():\n    raise E(errors=[{"loc": ["body", "x"], "msg": "m", "type": "brand_new"}])\n')
    assert "brand_new" in field_types.collect(pkg)


def test_a_computed_type_at_an_unknown_place_fails(tmp_path: Path) -> None:
    pkg = _package(tmp_path, 'def f(code):\n    return [{"loc": ["body"], "msg": "m", "type": code}]\n')
    with pytest.raises(ValueError, match="computed type"):
        field_types.collect(pkg)


def test_a_custom_pydantic_error_is_collected(tmp_path: Path) -> None:
    pkg = _package(tmp_path, 'from x import PydanticCustomError as P\n'
                             'def _jsonable_errors(e):\n    return [{"loc": [], "msg": "", "type": e.type}]\n'
                             'def v():\n    raise PydanticCustomError("odd_format", "x")\n')
    (pkg / "kit").mkdir()
    (pkg / "svc.py").rename(pkg / "kit" / "errors.py")
    assert "odd_format" in field_types.collect(pkg)

