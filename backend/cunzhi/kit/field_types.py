"""Every field-error `type` the server can answer in a 422's `errors[]`, collected from the source.

The SPA translates a field error by its type (frontend i18n `errors.field.<type>`); a type with no
message falls back to a generic one. `cunzhi export-openapi` writes the list this module collects to
frontend/src/i18n/field-error-types.json, whose test requires a Chinese and an English message for
each, so a type raised by a new service cannot slip through untranslated.

Collected: the literal `"type"` of every error dict (a dict with "loc" and "type" keys), the types
of `PydanticCustomError`, and, for the few dicts whose type is not a literal, the values their
source can take (a `FieldProblem`'s or an `InputIssue`'s constructor calls, a `DestinationRefused`
reason, the keys of a message table subscripted by the type). A dict with a computed type at a place
not listed in `_DYNAMIC` fails `collect()`, so a new computed type needs a rule here first.
"""

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent

#: pydantic's own error types that the request models can produce (strict bodies, constraints)
PYDANTIC_TYPES = (
    "missing", "extra_forbidden", "value_error", "string_too_short", "string_too_long",
    "string_pattern_mismatch", "string_type", "greater_than_equal", "less_than_equal", "greater_than", "less_than",
    "int_parsing", "int_type", "int_from_float", "float_type", "float_parsing", "bool_type", "bool_parsing",
    "date_parsing", "date_from_datetime_parsing", "datetime_parsing", "enum", "literal_error", "too_long",
    "too_short", "list_type", "url_parsing", "url_scheme", "json_invalid", "model_type", "dict_type",
    "uuid_parsing", "decimal_parsing",
)


def _calls(tree: ast.AST, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == name) or (isinstance(f, ast.Attribute) and f.attr == name):
                yield node


def _arg(call: ast.Call, index: int, keyword: str) -> str | None:
    for kw in call.keywords:
        if kw.arg == keyword and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            return kw.value.value
    if len(call.args) > index:
        a = call.args[index]
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            return a.value
    return None


def _constructed(cls: str, index: int, keyword: str, prefix: str = "") -> Callable[[dict[Path, ast.AST], ast.AST], set[str]]:
    def values(trees: dict[Path, ast.AST], _function: ast.AST) -> set[str]:
        out = set()
        for tree in trees.values():
            for call in _calls(tree, cls):
                value = _arg(call, index, keyword)
                if value is None:
                    raise ValueError(f"{cls}(...) with a computed {keyword}: list its values in kit/field_types.py")
                out.add(prefix + value)
        return out
    return values


def _table_keys(trees: dict[Path, ast.AST], function: ast.AST) -> set[str]:
    """`{"a": ..., "b": ...}[code]` in the function: its keys."""
    out = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
            out |= {k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return out


def _pydantic(trees: dict[Path, ast.AST], _function: ast.AST) -> set[str]:
    return set(PYDANTIC_TYPES) | _constructed("PydanticCustomError", 0, "error_type")(trees, _function)


#: (module, function) of an error dict whose type is computed -> the values it can take
_DYNAMIC: dict[tuple[str, str], Callable[[dict[Path, ast.AST], ast.AST], set[str]]] = {
    ("kit/errors.py", "_jsonable_errors"): _pydantic,
    ("cadres/fieldwork.py", "_field_errors"): _pydantic,
    ("cadres/fieldwork.py", "_time_errors"): _table_keys,
    ("cadres/service.py", "_solve"): _constructed("InputIssue", 0, "code"),
    ("partners/service.py", "_solve"): _constructed("InputIssue", 0, "code"),
    ("rectification/criteria.py", "_check_criterion"): _constructed("FieldProblem", 2, "type"),
    ("rectification/scoring.py", "as_dict"): _constructed("FieldProblem", 2, "type"),
    ("webhooks/service.py", "create_subscription"): _constructed("DestinationRefused", 0, "reason", "webhook_url_"),
}


def _functions(tree: ast.AST) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(function, node) for every node inside a function (the innermost one)."""
    def walk(node: ast.AST, owner: ast.AST) -> Iterator[tuple[ast.AST, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else owner
            yield inner, child
            yield from walk(child, inner)
    yield from walk(tree, tree)


def collect(package_dir: Path = PACKAGE_DIR) -> list[str]:
    """Every field-error type, sorted."""
    trees: dict[Path, ast.AST] = {f: ast.parse(f.read_text(), str(f)) for f in sorted(package_dir.rglob("*.py"))}
    found: set[str] = set(PYDANTIC_TYPES)
    for path, tree in trees.items():
        module = path.relative_to(package_dir).as_posix()
        for function, node in _functions(tree):
            if not isinstance(node, ast.Dict):
                continue
            keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
            if "loc" not in keys or "type" not in keys:
                continue
            value = node.values[keys.index("type")]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value)
                continue
            if isinstance(value, ast.Dict):  # a JSON schema ({"type": ...}), not an error
                continue
            name = getattr(function, "name", "<module>")
            rule = _DYNAMIC.get((module, name))
            if rule is None:
                raise ValueError(f"{module}:{node.lineno} ({name}) builds a field error with a computed type; "
                                 "say in kit/field_types.py which values it can take")
            found |= rule(trees, function)
    return sorted(found)
