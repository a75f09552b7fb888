"""The batch sync's answers are built without pydantic's model_construct (`fieldwork._built`, a fifth
of its cost): each must be the model model_construct makes, field for field and byte for byte in
its JSON, and a value missing or out of the fields' order is caught, not answered short."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from cunzhi.cadres.fieldwork import _built
from cunzhi.cadres.schemas import (
    CheckinFlag,
    CheckinOut,
    CheckinReviewOut,
    LogOut,
    PhotoOut,
    ReviewDecision,
    SevenRole,
    SyncKind,
    SyncResult,
    SyncStatus,
)

AT = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
PHOTO = PhotoOut(id=3, content_type="image/jpeg", size=1024, sha256="a" * 64, uploaded_at=AT)
CHECKIN: dict[str, Any] = dict(
    id=1, cadre_id=2, cadre_name="张三", village_code="230199100200", village_name="前进村", checked_at=AT,
    received_at=AT, local_date=date(2026, 12, 3), lat=45.75, lng=126.63, accuracy_m=15.0, note=None, client_key="k1",
    photos=[PHOTO], distance_m=3125.5, flags=[CheckinFlag.far_from_village],
    review=CheckinReviewOut(decision=ReviewDecision.accepted, note="在村部", reviewed_by="user:9", reviewed_at=AT),
    counts=True, allowed_actions=[])
LOG: dict[str, Any] = dict(
    id=5, cadre_id=2, cadre_name="张三", village_code="230199100200", village_name="前进村", written_at=AT,
    received_at=AT, log_date=date(2026, 12, 2), text="走访农户", roles=[SevenRole.informant, SevenRole.clerk],
    members_recruited=1, activities_held=0, members_active=0, activists_found=2, activity_attendance=0,
    policy_issues=1, discipline_issues=0, oversight_note="低保", finding_id=8, finding_ids=[8], client_key="k2",
    photos=[])


def _same(model: type[BaseModel], values: dict[str, Any]) -> BaseModel:
    built, constructed = _built(model, dict(values)), model.model_construct(**values)
    assert built == constructed
    assert built.model_fields_set == constructed.model_fields_set
    assert built.model_dump_json() == constructed.model_dump_json()
    assert type(model.model_validate_json(built.model_dump_json())) is model  # the contract's model reads it back
    return built


def test_the_answers_are_model_constructs_own() -> None:
    checkin, log = _same(CheckinOut, CHECKIN), _same(LogOut, LOG)
    for item, kind in ((checkin, "checkin"), (log, "log")):
        _same(SyncResult, dict(index=0, key="k", kind=SyncKind(kind).value, status=SyncStatus.created,
                               http_status=201, code=None, detail=None, errors=None,
                               checkin=item if kind == "checkin" else None, log=item if kind == "log" else None))


@pytest.mark.parametrize("change", ["missing", "reordered"])
def test_a_value_missing_or_out_of_order_is_caught(change: str) -> None:
    values = dict(LOG)
    if change == "missing":
        del values["finding_ids"]
    else:
        values = {"cadre_id": values.pop("cadre_id"), **values}
    with pytest.raises(AssertionError):
        _built(LogOut, values)
