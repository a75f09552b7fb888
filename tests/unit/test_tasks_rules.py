"""Pure rules of tasks: the status machine, progress checks, overdue and due-soon, import rows."""

from datetime import date
from decimal import Decimal

import pytest

from cunzhi.kit.errors import IllegalTransition
from cunzhi.tasks import rules
from cunzhi.tasks.rules import TASK_MACHINE, TaskEvent, TaskStatus


def test_status_transitions() -> None:
    assert TASK_MACHINE.next("planned", "progress") == TaskStatus.in_progress
    assert TASK_MACHINE.next("in_progress", "complete") == TaskStatus.done
    assert TASK_MACHINE.next("overdue", "progress") == TaskStatus.overdue
    assert TASK_MACHINE.next("overdue", "complete") == TaskStatus.done
    assert TASK_MACHINE.next("done", "accept") == TaskStatus.accepted
    assert TASK_MACHINE.next("done", "send_back") == TaskStatus.in_progress
    for state, event in [("accepted", "progress"), ("accepted", "send_back"), ("planned", "accept"),
                         ("done", "mark_overdue"), ("overdue", "accept"), ("done", "progress")]:
        with pytest.raises(IllegalTransition):
            TASK_MACHINE.next(state, event)


def test_progress_checks() -> None:
    assert rules.check_progress(Decimal(1), Decimal("2.5"), Decimal(10)) == Decimal("3.5")
    assert rules.progress_event(Decimal(10), Decimal(10)) == TaskEvent.complete
    assert rules.progress_event(Decimal("9.99"), Decimal(10)) == TaskEvent.progress
    with pytest.raises(rules.ProgressError) as above:
        rules.check_progress(Decimal(9), Decimal("1.01"), Decimal(10))
    assert above.value.code == "progress_above_target"
    with pytest.raises(rules.ProgressError) as negative:
        rules.check_progress(Decimal(9), Decimal(-1), Decimal(10))
    assert negative.value.code == "progress_negative"


def test_overdue_and_due_soon() -> None:
    due = date(2026, 6, 30)
    assert not rules.is_overdue("planned", due, date(2026, 6, 30))
    assert rules.is_overdue("in_progress", due, date(2026, 7, 1))
    assert not rules.is_overdue("done", due, date(2026, 7, 1))
    assert rules.due_soon("planned", due, date(2026, 6, 27), 3)
    assert not rules.due_soon("planned", due, date(2026, 6, 26), 3)
    assert rules.after_send_back(due, date(2026, 7, 2)) == TaskStatus.overdue
    assert rules.after_send_back(due, date(2026, 6, 2)) == TaskStatus.in_progress


LK = rules.Lookups(villages={"230199100200": 1}, items={"road": (7, "construction")}, units={"km", "公里"},
                   partner_units={"PU-A": 3, "PU-B": 4}, cadres={"5": 5, "张三": 5, "6": 6},
                   earliest_due=date(2026, 1, 1), paired={(3, 1)}, posted={(5, 1)})


def _row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {"village_code": "230199100200", "item_code": "road", "title": "修路", "duties": "发动群众",
                               "target": "3.5", "unit": "km", "due_date": "2026/6/30", "responsible_kind": "驻村干部",
                               "responsible": "张三"}
    base.update(kw)
    return base


def test_a_good_row() -> None:
    good, errors = rules.validate_rows([(2, _row())], LK)
    assert errors == []
    assert good[0].cadre_id == 5 and good[0].target == Decimal("3.5") and good[0].due_date == date(2026, 6, 30)
    assert good[0].duties == ["mobilise"]


@pytest.mark.parametrize(("override", "column"), [
    ({"village_code": "1"}, "村代码"), ({"village_code": "230199999999"}, "村代码"), ({"item_code": "x"}, "事项编码"),
    ({"target": "abc"}, "目标数量"), ({"target": "0"}, "目标数量"), ({"target": "1.234"}, "目标数量"),
    ({"unit": "里"}, "单位"), ({"due_date": "2026-02-30"}, "截止日期"), ({"due_date": "2025-12-31"}, "截止日期"),
    ({"responsible_kind": "别人"}, "责任方类型"), ({"responsible": "李四"}, "责任方"), ({"duties": "跳舞"}, "村干部职责"),
    ({"title": ""}, "任务名称"),
])
def test_bad_rows_name_the_column(override: dict[str, object], column: str) -> None:
    good, errors = rules.validate_rows([(7, _row(**override))], LK)
    assert good == []
    assert [(e.row, e.column) for e in errors] == [(7, column)]
    assert all(e.reason for e in errors)


def test_the_party_must_belong_to_the_village() -> None:
    good, errors = rules.validate_rows([(2, _row(responsible_kind="包村单位", responsible="PU-A"))], LK)
    assert errors == [] and good[0].partner_unit_id == 3
    good, errors = rules.validate_rows([(2, _row(responsible_kind="包村单位", responsible="PU-B")),
                                        (3, _row(title="另一条", responsible="6"))], LK)
    assert good == [] and [(e.row, e.column) for e in errors] == [(2, "责任方"), (3, "责任方")]
    assert "未与村230199100200结对" in errors[0].reason and "未派驻村230199100200" in errors[1].reason


def test_a_row_already_imported_is_not_refused_for_its_past_due_date() -> None:
    row = _row(due_date="2025-12-31")
    key = rules.row_key("230199100200", "road", "修路", date(2025, 12, 31))
    lk = rules.Lookups(**{**LK.__dict__, "existing_keys": {key}})
    good, errors = rules.validate_rows([(2, row)], lk)
    assert errors == [] and good[0].key == key


def test_duplicates_and_headers() -> None:
    _, errors = rules.validate_rows([(2, _row()), (3, _row())], LK)
    assert [(e.row, e.column) for e in errors] == [(3, "任务名称")] and "第2行" in errors[0].reason
    index, missing = rules.header_map(["村代码", "任务名称"])
    assert index == {0: "village_code", 1: "title"}
    assert {e.column for e in missing} == {"事项编码", "目标数量", "单位", "截止日期", "责任方类型"}
