"""Every request body is strict and the contract says exactly what it accepts.

Walks the routes of every domain and the generated OpenAPI: each body model is a kit `Body`
(unknown fields refused), its numbers and flags are strict (no "3", "0", 4.0 or 1 for true), every
decimal goes through the kit's decimal-string validators, a decimal field's contract pattern agrees
with the validator on sample inputs (so "0.00" is outside the pattern where zero is refused), lists
that refuse repeats say `uniqueItems`, and every update answering 428 declares If-Match required.
"""

import re
from decimal import Decimal
from typing import Annotated, Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError

from cunzhi.kit import money
from cunzhi.kit.inputs import Body
from cunzhi.main import create_app, domain_routers

_METHODS = ("get", "put", "post", "delete", "patch")
DECIMAL_VALIDATORS = {money.plain_decimal.__name__, money._money_text.__name__}


def _routes() -> list[APIRoute]:
    return [r for router in domain_routers() for r in router.routes if isinstance(r, APIRoute)]


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


def _lax_leaves(schema: Any, path: str, decimal_ok: bool, out: list[str]) -> None:
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind in ("int", "bool", "float") and not schema.get("strict"):
            out.append(f"{path}: lax {kind}")
        if kind == "decimal" and not decimal_ok:
            out.append(f"{path}: decimal without a decimal-string validator")
        if kind == "model" and schema.get("cls") is not None and path:
            return  # nested models are checked on their own
        fn = schema.get("function", {}).get("function") if isinstance(schema.get("function"), dict) else None
        inner_ok = decimal_ok or (kind == "function-before" and getattr(fn, "__name__", "") in DECIMAL_VALIDATORS)
        for key, value in schema.items():
            if key != "metadata":
                _lax_leaves(value, f"{path}.{key}" if path else key, inner_ok, out)
    elif isinstance(schema, list | tuple):
        for i, value in enumerate(schema):
            _lax_leaves(value, f"{path}[{i}]", decimal_ok, out)


@pytest.mark.parametrize("model", BODIES, ids=lambda m: m.__qualname__)
def test_numbers_and_flags_are_strict_and_decimals_are_strings(model: type[BaseModel]):
    schema = model.__pydantic_core_schema__
    lax: list[str] = []
    _lax_leaves(schema.get("schema", schema), "", False, lax)
    assert lax == []


def test_the_walk_would_see_a_lax_field():
    class Lax(Body):
        n: int
        flag: bool | None = None
        d: Decimal

    lax: list[str] = []
    _lax_leaves(Lax.__pydantic_core_schema__, "", False, lax)
    assert len(lax) == 3


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


def _leaf_types(annotation: Any) -> set[Any]:
    args = getattr(annotation, "__args__", None) or getattr(annotation, "__origin__", None)
    if args is None:
        return {annotation}
    items = args if isinstance(args, tuple) else (args,)
    return {annotation} | {t for a in items for t in _leaf_types(a)}


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
