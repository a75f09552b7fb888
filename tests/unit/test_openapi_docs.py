"""The contract reads as documentation: every operation says what it does, paths are spelled alike.

A summary is a phrase of at least three words that is not the route's generated name ("List",
"Catalogue-Item-Create"); every literal path segment is lower-case words joined by hyphens (path
parameters such as {village_id} keep their names); an update taking If-Match says in its description
what 428 and 412 mean. Every operation has a description (its router function's docstring): a sentence
or two of at least eight words on what it does, who may call it and its notable errors, not a copy of
the summary. Every schema is named for what it is: two classes of one name in different
modules would be published under their module paths (`cunzhi__funds__schemas__EventOut`).
"""

import re
from typing import Any

import pytest

from cunzhi.main import create_app

_METHODS = ("get", "put", "post", "delete", "patch")
#: summaries that only name the verb, whatever their length
_GENERIC = re.compile(r"^(list|create|get|update|delete|deactivate|edit|change|add|read)\b[\w\s-]{0,20}$", re.I)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app().openapi()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, o) for p, item in spec["paths"].items() for m, o in item.items() if m in _METHODS]


def generic_summary(summary: str) -> bool:
    words = summary.split()
    return len(words) < 3 or bool(_GENERIC.match(summary)) or (len(words) == 1 and "-" in summary)


def test_generic_summaries_are_recognised() -> None:
    for bad in ("List", "Update", "Catalogue-Item-Create", "Cases-Get", "Get a case", "Items-Update", ""):
        assert generic_summary(bad), bad
    for good in ("List the villages in the caller's scope", "Add an item to the county's task catalogue"):
        assert not generic_summary(good), good


def test_every_operation_has_a_meaningful_summary(spec: dict[str, Any]) -> None:
    bad = [f"{m} {p}: {o.get('summary', '')!r}" for m, p, o in _operations(spec) if generic_summary(o.get("summary", ""))]
    assert bad == []


def test_no_literal_path_segment_has_an_underscore(spec: dict[str, Any]) -> None:
    bad = []
    for path in spec["paths"]:
        for segment in path.strip("/").split("/"):
            literal = re.sub(r"\{[^}]*\}", "", segment)  # `qr.{fmt}` keeps `qr.`
            if "_" in literal or literal != literal.lower():
                bad.append(path)
    assert bad == []


def test_updates_taking_if_match_explain_412_and_428(spec: dict[str, Any]) -> None:
    bad = []
    for m, p, o in _operations(spec):
        if any(x.get("in") == "header" and x["name"].lower() == "if-match" for x in o.get("parameters", [])):
            text = o.get("description", "")
            if "428" not in text or "412" not in text:
                bad.append(f"{m} {p}")
    assert bad == []


def test_no_schema_is_named_after_its_module(spec: dict[str, Any]) -> None:
    bad = sorted(name for name in spec["components"]["schemas"] if "__" in name)
    assert bad == []


def test_every_operation_has_a_description(spec: dict[str, Any]) -> None:
    bad = []
    for m, p, o in _operations(spec):
        text = " ".join(o.get("description", "").split())
        if len(text.split()) < 8 or text.rstrip(".") == o.get("summary", "").rstrip("."):
            bad.append(f"{m} {p}")
    assert bad == []
