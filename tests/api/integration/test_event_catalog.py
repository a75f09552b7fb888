"""The list of event types (webhooks/catalog.py) against the code that emits them and the guide:
every type an `emit` call (or funds' `record_step`) can produce is listed, with the area of the
package that emits it; every listed area has a read scope; docs/integration.md names every type."""

import ast
import re
from pathlib import Path

from cunzhi.assets.workflows import AssetAction, ResourceAction
from cunzhi.funds.budgets import BudgetAction
from cunzhi.funds.claims import ClaimAction
from cunzhi.funds.permissions import FundsAction
from cunzhi.kit import client_scopes
from cunzhi.tasks.rules import TaskEvent
from cunzhi.webhooks.catalog import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "backend" / "cunzhi"
# Listed types no code emits (none: every listed type must have its emitter).
NOT_YET_EMITTED: set[str] = set()
# Emit calls whose type is computed; each family is checked from its enum below.
DYNAMIC_SITES = {("cunzhi.funds.service", "record_step"), ("cunzhi.tasks.service", "post_progress"),
                 ("cunzhi.partners.jobs", "apply_pairing_days")}
ENUMS = {"ClaimAction": ClaimAction, "BudgetAction": BudgetAction, "AssetAction": AssetAction,
         "ResourceAction": ResourceAction, "FundsAction": FundsAction}


def _modules():  # type: ignore[no-untyped-def]
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        yield module, ast.parse(path.read_text(encoding="utf-8"))


def _calls(tree: ast.AST):  # type: ignore[no-untyped-def]
    """(enclosing function name, call) for every call in `tree`."""
    for fn in ast.walk(tree):
        if isinstance(fn, ast.AsyncFunctionDef | ast.FunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Call):
                    yield fn.name, node


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _kw(call: ast.Call, key: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == key), None)


def _record_step_types(call: ast.Call) -> set[str]:
    """The types a `record_step(entity=EventEntity.x, action=...)` call can emit."""
    entity, action = _kw(call, "entity"), _kw(call, "action")
    assert entity is not None and action is not None
    # assets' _register names its entity from the item's type: an asset or a resource
    entities = [entity.attr] if isinstance(entity, ast.Attribute) else ["asset", "resource"]
    if isinstance(action, ast.Constant):
        actions = {str(action.value)}
    elif (isinstance(action, ast.Attribute) and action.attr == "value" and isinstance(action.value, ast.Attribute)
          and isinstance(action.value.value, ast.Name)):  # ClaimAction.reverse.value
        actions = {ENUMS[action.value.value.id][action.value.attr].value}
    elif entities == ["amendment"]:  # decide_amendment
        actions = {"approve", "return"}
    elif entities == ["claim"]:  # act_on_claim: its own steps (a reversal is the ledger's)
        actions = {a.value for a in ClaimAction} - {"reverse"}
    else:  # the entity's own actions
        enum = {"budget": BudgetAction, "asset": AssetAction, "resource": ResourceAction}[entities[0]]
        actions = {a.value for a in enum}
    return {f"{e}.{a}" for e in entities for a in actions}


def _emitted() -> dict[str, set[str]]:
    """Every event type the code can emit -> the areas of the modules emitting it."""
    found: dict[str, set[str]] = {}
    dynamic_seen = set()
    for module, tree in _modules():
        if module == "cunzhi.kit.events":
            continue
        area = client_scopes.area_of_module(module)
        # module constants naming a type (`FLAGGED = "cadre_checkin.flagged"`)
        constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign | ast.AnnAssign)
                     for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                     if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}
        for fn, call in _calls(tree):
            name = _name(call)
            outbox_only = (name == "publish" and isinstance(call.func, ast.Attribute)  # events.publish
                           and isinstance(call.func.value, ast.Name) and call.func.value.id == "events")
            if (name == "emit" or outbox_only) and len(call.args) >= 3:
                kind = call.args[2]
                if isinstance(kind, ast.Name) and kind.id in constants:
                    kind = ast.Constant(constants[kind.id])
                if isinstance(kind, ast.Constant):
                    found.setdefault(str(kind.value), set()).add(area)
                else:
                    assert (module, fn) in DYNAMIC_SITES, f"{module}.{fn}: an event type worked out in code"
                    dynamic_seen.add((module, fn))
            elif name == "record_step" and _kw(call, "entity") is not None:
                for t in _record_step_types(call):
                    found.setdefault(t, set()).add(area)
    assert dynamic_seen == DYNAMIC_SITES
    for e in (TaskEvent.progress, TaskEvent.complete):  # post_progress: rules.progress_event
        found.setdefault(f"task.{e.value}", set()).add("tasks")
    for t in ("pairing.started", "pairing.ended"):  # partners/jobs.py: its (edge, when, type) table
        found.setdefault(t, set()).add("partners")
    return found


def test_every_emitted_type_is_listed_with_its_area() -> None:
    emitted = _emitted()
    missing = sorted(set(emitted) - set(EVENT_TYPES))
    assert not missing, f"emitted but not in webhooks/catalog.py: {missing}"
    wrong = {t: (areas, EVENT_TYPES[t].area) for t, areas in emitted.items() if areas != {EVENT_TYPES[t].area}}
    assert not wrong, wrong
    stale = set(EVENT_TYPES) - set(emitted) - NOT_YET_EMITTED
    assert not stale, f"listed but emitted nowhere: {sorted(stale)}"


def test_every_area_is_readable_by_a_scope() -> None:
    known = set(client_scopes.known_scopes())
    assert {e.scope for e in EVENT_TYPES.values()} <= known
    assert EVENT_TYPES["claim.submit"].scope == "funds:read"
    assert EVENT_TYPES["discipline_case.create"].scope == "discipline:read"
    assert EVENT_TYPES["asset.register"].scope == "assets:read"
    assert EVENT_TYPES["cadre_checkin.flagged"].scope == "cadres:read"


def test_the_guide_lists_every_type_with_its_keys() -> None:
    guide = (ROOT / "docs" / "integration.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z_]+\.[a-z_]+)` \|.*$", guide, re.M)}
    assert set(rows) == set(EVENT_TYPES)
    for name, e in EVENT_TYPES.items():
        assert f"`{e.scope}`" in rows[name], name
        for key in e.keys[:3]:
            assert f"`{key}`" in rows[name], (name, key)
