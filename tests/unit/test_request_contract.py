"""Every request body is strict and the contract says exactly what it accepts.

Walks every route of the app and the generated OpenAPI: each body model is a kit `Body`
(unknown fields refused), its numbers and flags are strict (no "3", "0", 4.0 or 1 for true), every
decimal goes through the kit's decimal-string validators, every day and moment through the kit's
`BodyDate`/`BodyDateTime` (no timestamp number, no date-time for a day, no naive moment), a decimal field's contract pattern agrees
with the validator on sample inputs (so "0.00" is outside the pattern where zero is refused), lists
that refuse repeats say `uniqueItems`, and every update answering 428 declares If-Match required.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import pytest
from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError, model_validator

from cunzhi.kit import inputs, money
from cunzhi.kit.inputs import Body, BodyDate, BodyDateTime
from cunzhi.main import create_app

_METHODS = ("get", "put", "post", "delete", "patch")
DECIMAL_VALIDATORS = {money.plain_decimal.__name__, money._money_text.__name__}
# The validators a day or a moment must pass before pydantic's own (lax) parsing sees it.
TIME_VALIDATORS = {"date": inputs.iso_date_text.__name__, "datetime": inputs.iso_datetime_text.__name__}
_LAX_TIMES = ("date", "datetime", "time", "timedelta")


def _flat(routes: Any) -> list[APIRoute]:
    out: list[APIRoute] = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        elif getattr(r, "original_router", None) is not None:  # an included router, resolved lazily
            out.extend(_flat(r.original_router.routes))
        elif getattr(r, "routes", None):  # a mount
            out.extend(_flat(r.routes))
    return out


def _routes() -> list[APIRoute]:
    """Every route of the app as it is served, included routers and mounts too."""
    return _flat(create_app().routes)


def _models_in(schema: Any, found: set[type[BaseModel]]) -> None:
    if isinstance(schema, dict):
        cls = schema.get("cls")
        if schema.get("type") == "model" and isinstance(cls, type) and issubclass(cls, BaseModel) and cls not in found:
            found.add(cls)
            _models_in(cls.__pydantic_core_schema__, found)
        for key, value in schema.items():
            if key not in ("metadata", "cls"):
                _models_in(value, found)
    elif isinstance(schema, list | tuple):
        for value in schema:
            _models_in(value, found)


def body_models() -> list[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    for route in _routes():
        if route.body_field is None:
            continue
        annotation = route.body_field.field_info.annotation
        _models_in(TypeAdapter(annotation).core_schema, found)
    # FastAPI's own form models (the OAuth2 token form, file uploads) hold strings and files only.
    return sorted((m for m in found if not m.__module__.startswith("fastapi")), key=lambda m: m.__qualname__)


BODIES = body_models()


def test_the_walk_finds_the_bodies_of_every_domain():
    modules = {m.__module__.split(".")[1] for m in BODIES}
    assert {"villages", "users", "rectification", "partners", "cadres", "funds", "assets"} <= modules
    assert len(BODIES) > 40


@pytest.mark.parametrize("model", BODIES, ids=lambda m: m.__qualname__)
def test_every_body_is_a_kit_body_refusing_unknown_fields(model: type[BaseModel]):
    assert issubclass(model, Body)
    assert model.model_config.get("extra") == "forbid"


def _lax_leaves(schema: Any, path: str, decimal_ok: bool, out: list[str], guard: str = "",
                root: type[BaseModel] | None = None) -> None:
    """Lax leaves of `root`'s core schema; `guard` is the name of the before-validator just above.

    Other models met on the way are checked on their own; `root` itself may sit below its own
    model validators (a `function-after` around the model)."""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind in ("int", "bool", "float") and not schema.get("strict"):
            out.append(f"{path}: lax {kind}")
        if kind == "decimal" and not decimal_ok:
            out.append(f"{path}: decimal without a decimal-string validator")
        if kind in _LAX_TIMES and (kind not in TIME_VALIDATORS or guard != TIME_VALIDATORS[kind]):
            out.append(f"{path}: lax {kind} (not a kit BodyDate/BodyDateTime)")
        if kind == "model" and schema.get("cls") is not None and schema.get("cls") is not root:
            return  # nested models are checked on their own
        fn = schema.get("function", {}).get("function") if isinstance(schema.get("function"), dict) else None
        name = getattr(fn, "__name__", "") if kind == "function-before" else ""
        inner_ok = decimal_ok or name in DECIMAL_VALIDATORS
        for key, value in schema.items():
            if key != "metadata":
                # Only the validated schema right below a before-validator is guarded by it.
                below = name if key == "schema" else ""
                _lax_leaves(value, f"{path}.{key}" if path else key, inner_ok, out, below, root)
    elif isinstance(schema, list | tuple):
        for i, value in enumerate(schema):
            _lax_leaves(value, f"{path}[{i}]", decimal_ok, out, root=root)


@pytest.mark.parametrize("model", BODIES, ids=lambda m: m.__qualname__)
def test_numbers_flags_days_and_moments_are_strict_and_decimals_are_strings(model: type[BaseModel]):
    lax: list[str] = []
    _lax_leaves(model.__pydantic_core_schema__, "", False, lax, root=model)
    assert lax == []


def test_the_walk_would_see_a_lax_field():
    class Lax(Body):
        n: int
        flag: bool | None = None
        d: Decimal

    class LaxChecked(Body):  # a model validator wraps the model's own schema
        n: int

        @model_validator(mode="after")
        def _check(self) -> "LaxChecked":
            return self

    lax: list[str] = []
    _lax_leaves(Lax.__pydantic_core_schema__, "", False, lax, root=Lax)
    assert len(lax) == 3
    lax = []
    _lax_leaves(LaxChecked.__pydantic_core_schema__, "", False, lax, root=LaxChecked)
    assert len(lax) == 1


def test_the_walk_would_see_a_lax_day_or_moment():
    class LaxTimes(Body):
        day: date
        maybe: date | None = None
        at: datetime
        aware: AwareDatetime
        items: list[date] = []
        # A day validated as a moment, or the other way round, is no better.
        mixed: Annotated[date, BeforeValidator(inputs.iso_datetime_text)]

    class StrictTimes(Body):
        day: BodyDate
        maybe: BodyDate | None = None
        at: BodyDateTime
        items: list[BodyDate] = []
        floor: Annotated[BodyDate, Field(ge=date(1990, 1, 1))]

    lax: list[str] = []
    _lax_leaves(LaxTimes.__pydantic_core_schema__, "", False, lax, root=LaxTimes)
    assert len(lax) == 6, lax
    strict: list[str] = []
    _lax_leaves(StrictTimes.__pydantic_core_schema__, "", False, strict, root=StrictTimes)
    assert strict == []


def _leaf_types(annotation: Any) -> set[Any]:
    args = getattr(annotation, "__args__", None) or getattr(annotation, "__origin__", None)
    if args is None:
        return {annotation}
    items = args if isinstance(args, tuple) else (args,)
    return {annotation} | {t for a in items for t in _leaf_types(a)}


# What lax pydantic would take from a JSON body for each kind of field, and a strict one refuses.
LAX_SAMPLES: dict[Any, list[Any]] = {
    date: [1700000000, 1700000000.0, "1700000000", "2026-12-03T00:00:00", "2026-12-03T00:00:00+08:00", "20261203",
           "2026-12-3", " 2026-12-03"],
    datetime: [1700000000, "1700000000", "2026-12-03T08:30:00", "2026-12-03", "2026-12-03 08:30:00+08:00",
               "2026-12-03T08:30+08:00"],
    int: [4.0, "4", True, "4.0"],
    bool: ["0", "1", 0, 1, "true", "false"],
}


def _scalar_fields() -> list[tuple[str, Any, Any]]:
    """Every body field that is (maybe null, maybe a list of) a day, a moment, an int or a bool."""
    out = []
    for model in BODIES:
        for name, field in model.model_fields.items():
            leaves = _leaf_types(field.annotation)
            kinds = [k for k in (datetime, date, bool, int) if k in leaves or (k is datetime and AwareDatetime in leaves)]
            if kinds:
                out.append((f"{model.__qualname__}.{name}", Annotated[field.annotation, field], kinds[0]))
    return out


SCALAR_FIELDS = _scalar_fields()


def test_the_scalar_fields_are_found():
    names = {n: k for n, _, k in SCALAR_FIELDS}
    assert names.get("CheckinIn.checked_at") is datetime and names.get("TaskCreate.due_date") is date
    assert names.get("PostingCreate.start_date") is date and names.get("ProgressIn.at") is datetime
    assert sum(k is date for k in names.values()) >= 20


@pytest.mark.parametrize("name,annotation,kind", SCALAR_FIELDS, ids=[n for n, _, _ in SCALAR_FIELDS])
def test_lax_spellings_are_refused_for_every_body_field(name: str, annotation: Any, kind: Any):
    adapter = TypeAdapter(annotation)
    taken = []
    for value in LAX_SAMPLES[kind]:
        for candidate in (value, [value]):  # the field itself, or a list of them
            try:
                adapter.validate_python(candidate)
            except ValidationError:
                continue
            taken.append(candidate)
    assert taken == []


def test_body_date_and_datetime_take_what_the_contract_says():
    day, at = TypeAdapter(BodyDate), TypeAdapter(BodyDateTime)
    assert day.validate_python("2026-12-03") == date(2026, 12, 3)
    assert at.validate_python("2026-12-03T08:30:00.123Z").utcoffset().total_seconds() == 0
    assert at.validate_python("2026-12-03T08:30:00+08:00").utcoffset().total_seconds() == 8 * 3600
    with pytest.raises(ValidationError) as e:
        day.validate_python(1700000000)
    assert e.value.errors()[0]["type"] == "date_format"
    with pytest.raises(ValidationError) as e:
        at.validate_python("2026-12-03T08:30:00")
    assert e.value.errors()[0]["type"] == "datetime_format"
    for pattern, good, bad in ((inputs.DATE_PATTERN, "2026-12-03", "2026-12-03T00:00:00"),
                               (inputs.DATETIME_PATTERN, "2026-12-03T08:30:00Z", "2026-12-03T08:30:00")):
        assert re.search(pattern, good) and not re.search(pattern, bad)


SAMPLES = ["0", "0.0", "0.00", "00.00", "1", "1.5", "12.34", "1.234", "-1", "-0.01", "1e3", "abc", "", " 1",
           "+1", "1.", ".5", "60", "100", "100.00", "100.01", "1000", "1000.5", "999999999999.99",
           "1000000000000", "9999999999.99", "10000000000"]


def _decimal_fields() -> list[tuple[str, Any, str]]:
    out = []
    for model in BODIES:
        props = model.model_json_schema(mode="validation").get("properties", {})
        for name, field in model.model_fields.items():
            prop = props.get(name, {})
            options = [prop, *prop.get("anyOf", [])]
            pattern = next((o["pattern"] for o in options if o.get("type") == "string" and "pattern" in o), None)
            if pattern and Decimal in _leaf_types(field.annotation):
                out.append((f"{model.__qualname__}.{name}", Annotated[field.annotation, field], pattern))
    return out


DECIMAL_FIELDS = _decimal_fields()


def test_the_decimal_fields_are_found():
    names = {n for n, _, _ in DECIMAL_FIELDS}
    assert {"ClaimIn.amount", "LineIn.amount", "RoundCreate.weak_index", "ResourceIn.area"} <= names


@pytest.mark.parametrize("name,annotation,pattern", DECIMAL_FIELDS, ids=[n for n, _, _ in DECIMAL_FIELDS])
def test_decimal_patterns_say_what_the_validator_accepts(name: str, annotation: Any, pattern: str):
    adapter = TypeAdapter(annotation)
    disagree = []
    for text in SAMPLES:
        try:
            value = adapter.validate_python(text)
            accepted = value is not None
        except ValidationError:
            accepted = False
        if accepted != (re.search(pattern, text) is not None):
            disagree.append(text)
    assert disagree == []
    with pytest.raises(ValidationError):
        adapter.validate_python(3)  # a JSON integer is not a decimal string
    with pytest.raises(ValidationError):
        adapter.validate_python(3.5)


def test_positive_money_pattern_excludes_zero():
    for zero in ("0", "0.0", "0.00", "000.00"):
        assert re.search(money.POSITIVE_MONEY_PATTERN, zero) is None
        assert re.search(money.MONEY_PATTERN, zero) is not None


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app().openapi()


def _operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in _METHODS:
                yield f"{method.upper()} {path}", op


def test_if_match_is_required_wherever_428_answers_its_absence(spec):
    checked = 0
    for name, op in _operations(spec):
        if_match = [p for p in op.get("parameters", []) if p["in"] == "header" and p["name"].lower() == "if-match"]
        if "428" in op["responses"] or if_match:
            assert if_match and if_match[0]["required"] is True, name
            assert "428" in op["responses"], name
            checked += 1
    assert checked >= 8


def test_update_routes_without_if_match_answer_428_not_422_in_the_app():
    """Required in the contract, optional for FastAPI: the app's own answer to its absence is 428."""
    routes = [r for r in _routes() if any(p.alias.lower() == "if-match" for p in r.dependant.header_params)]
    assert routes
    for r in routes:
        param = next(p for p in r.dependant.header_params if p.alias.lower() == "if-match")
        assert not param.field_info.is_required(), r.path


def test_lists_refusing_repeats_say_unique_items(spec):
    unique = []
    for model in BODIES:
        props = model.model_json_schema(mode="validation").get("properties", {})
        for name, prop in props.items():
            options = [prop, *prop.get("anyOf", [])]
            if any(o.get("uniqueItems") for o in options):
                unique.append(f"{model.__qualname__}.{name}")
                item = _repeat_sample(model, name)
                if item is not None:
                    adapter = TypeAdapter(Annotated[model.model_fields[name].annotation, model.model_fields[name]])
                    with pytest.raises(ValidationError) as e:
                        adapter.validate_python([item, item])
                    assert e.value.errors()[0]["type"] == "unique_items"
    assert {"VillageCreate.problem_categories", "PartnerUnitCreate.strengths", "CadreCreate.expertise",
            "LogIn.roles"} <= set(unique)


def _repeat_sample(model: type[BaseModel], name: str) -> Any:
    return {"problem_categories": "weak_branch", "strengths": "economic", "expertise": "mass_work",
            "roles": None}.get(name)


def test_month_query_refuses_month_zero(spec):
    patterns = [p["schema"]["pattern"] for _, op in _operations(spec) for p in op.get("parameters", [])
                if p["name"] == "month" and "pattern" in p.get("schema", {})]
    assert patterns
    for pattern in patterns:
        assert re.search(pattern, "2026-05")
        for bad in ("0000-00", "2026-00", "2026-13", "0000-01"):
            assert re.search(pattern, bad) is None, (pattern, bad)
