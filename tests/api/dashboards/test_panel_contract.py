"""The panels answer with bytes built without their response models (no re-validation per request):
each answer still validates against the model the OpenAPI contract names for it."""

from typing import Any

import pytest
from pydantic import BaseModel

from cunzhi.dashboards import schemas
from cunzhi.kit import clock

T01 = "230199100000"
MODELS: dict[str, type[BaseModel]] = {
    "rectification": schemas.RectificationPanel, "pairing": schemas.PairingPanel, "cadres": schemas.CadrePanel,
    "tasks": schemas.TaskPanel, "funds": schemas.FundsPanel, "disclosures": schemas.DisclosurePanel,
    "discipline": schemas.DisciplinePanel,
}


@pytest.mark.parametrize("panel", sorted(MODELS))
async def test_each_panel_validates_against_its_contract(client, token_for, panel) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    today = clock.local_today()
    contract = (await client.get("/api/v1/openapi.json")).json()
    ok = contract["paths"][f"/api/v1/dashboards/{panel}"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/" + MODELS[panel].__name__)
    for params in ({}, {"township_code": T01}, {"month": f"{today.year - 1:04d}-{today.month:02d}"}):
        r = await client.get(f"/api/v1/dashboards/{panel}", params=params, headers=h)
        assert r.status_code == 200, r.text
        body: Any = r.json()
        parsed = MODELS[panel].model_validate(body)
        # every field the model names is in the answer, and the answer has none it does not name
        assert set(body) == set(MODELS[panel].model_fields)
        assert parsed.model_dump(mode="json", exclude_unset=True).keys() == body.keys()
