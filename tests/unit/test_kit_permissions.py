"""The kit's permission check and every domain's action -> roles table."""

import ast
import pathlib
from enum import StrEnum

import pytest

from cunzhi.kit.codes import Role
from cunzhi.kit.errors import Forbidden
from cunzhi.kit.permissions import allowed, may, require, roles
from cunzhi.kit.principal import Principal


class Act(StrEnum):
    read = "read"
    write = "write"


TABLE = {Act.read: roles(*Role), Act.write: roles(Role.county_admin)}


def who(role: Role) -> Principal:
    return Principal(kind="user", id=1, name="x", role=role, division_code="110101000000", division_level="county")


def test_may_and_require_follow_the_table() -> None:
    admin, cadre = who(Role.county_admin), who(Role.cadre)
    assert may(admin, TABLE, Act.write) and not may(cadre, TABLE, Act.write)
    require(admin, TABLE, Act.write)
    with pytest.raises(Forbidden) as info:
        require(cadre, TABLE, Act.write)
    assert (info.value.status, info.value.code) == (403, "forbidden")
    assert info.value.detail == "Role cadre may not write"


def test_require_carries_a_domain_error_and_wording() -> None:
    class NotTheDesk(Forbidden):
        code = "not_the_desk"

    with pytest.raises(NotTheDesk) as info:
        require(who(Role.cadre), TABLE, Act.write, error=NotTheDesk, what="write the books")
    assert info.value.code == "not_the_desk" and info.value.detail == "Role cadre may not write the books"


def test_allowed_keeps_the_order_and_skips_actions_not_in_the_table() -> None:
    assert allowed(who(Role.county_admin), TABLE, ["write", Act.read, "unknown"]) == ["write", Act.read]
    assert allowed(who(Role.cadre), TABLE, [Act.write, Act.read]) == [Act.read]


def test_an_action_missing_from_a_table_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(KeyError):
        may(who(Role.county_admin), TABLE, "unknown")


def _tables():  # type: ignore[no-untyped-def]
    from cunzhi.assets import permissions as assets
    from cunzhi.cadres import permissions as cadres
    from cunzhi.funds import permissions as funds
    from cunzhi.funds.budgets import BudgetAction
    from cunzhi.funds.claims import ClaimAction
    from cunzhi.partners import permissions as partners
    from cunzhi.rectification import permissions as rect
    from cunzhi.users import permissions as users
    from cunzhi.villages import permissions as villages
    from cunzhi.worker import permissions as worker

    return [
        ("funds.CLAIM", funds.CLAIM, ClaimAction), ("funds.BUDGET", funds.BUDGET, BudgetAction),
        ("funds.FUNDS", funds.FUNDS, funds.FundsAction), ("assets.ASSET", assets.ASSET, assets.AssetAction),
        ("assets.RESOURCE", assets.RESOURCE, assets.ResourceAction),
        ("assets.REGISTRY", assets.REGISTRY, assets.RegistryAction),
        ("partners", partners.PARTNERS, partners.PartnerAction), ("cadres", cadres.CADRES, cadres.CadreAction),
        ("rectification", rect.RECT, rect.RectAction), ("villages", villages.VILLAGES, villages.VillageAction),
        ("users", users.USERS, users.UserAction), ("worker", worker.JOBS, worker.JobAction),
    ]


@pytest.mark.parametrize(("name", "table", "actions"), _tables(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_table_covers_its_actions_with_roles(name, table, actions) -> None:  # type: ignore[no-untyped-def]
    assert set(table) == set(actions), name
    for action, rs in table.items():
        assert rs and all(isinstance(r, Role) for r in rs), (name, action)


def test_the_tables_say_what_the_domain_rules_say() -> None:
    from cunzhi.assets.permissions import ASSET, AssetAction
    from cunzhi.funds.claims import ClaimAction
    from cunzhi.funds.permissions import CLAIM, FUNDS, FundsAction
    from cunzhi.rectification.permissions import RECT, RectAction

    assert CLAIM[ClaimAction.sign] == {Role.supervision_committee}
    assert CLAIM[ClaimAction.pay] == {Role.township_agency}
    assert FUNDS[FundsAction.set_limit] == {Role.township_official, Role.county_admin}
    assert ASSET[AssetAction.dispose] == {Role.township_agency}
    assert RECT[RectAction.accept] == {Role.county_admin}
    assert RECT[RectAction.add_measure] == {Role.county_admin, Role.township_official}


def test_claim_actions_cross_the_table_with_the_state() -> None:
    from cunzhi.funds.permissions import claim_actions

    assert claim_actions(who(Role.supervision_committee), "submitted", needs_approval=False) == ["sign", "reject"]
    assert claim_actions(who(Role.township_agency), "submitted", needs_approval=False) == ["reject"]
    assert claim_actions(who(Role.village_committee), "draft", needs_approval=True) == ["submit", "withdraw", "attach", "edit_claim"]
    assert claim_actions(who(Role.township_official), "committee_signed", needs_approval=True) == ["approve", "reject"]
    assert claim_actions(who(Role.township_official), "committee_signed", needs_approval=False) == ["reject"]
    # the agency reverses a payment (at its ledger entry; the claim page offers it)
    assert claim_actions(who(Role.township_agency), "paid", needs_approval=False) == ["reverse"]
    assert claim_actions(who(Role.village_committee), "paid", needs_approval=False) == []


def test_case_and_round_actions() -> None:
    from cunzhi.rectification.permissions import case_actions, round_actions

    admin, township = who(Role.county_admin), who(Role.township_official)
    assert round_actions(admin, "proposed") == ["confirm", "close"]
    assert round_actions(township, "proposed") == []
    assert case_actions(township, "rectifying", open_measures=0) == ["add_measure", "add_problem", "add_note", "submit"]
    assert case_actions(admin, "rectifying", open_measures=1) == ["add_measure", "add_problem", "add_note"]
    assert case_actions(admin, "submitted", open_measures=0) == ["add_note", "accept", "return"]
    assert case_actions(who(Role.discipline_inspector), "submitted", open_measures=0) == []


SERVICES = ["funds/service.py", "assets/service.py", "partners/service.py", "cadres/service.py", "cadres/fieldwork.py",
            "rectification/common.py", "rectification/criteria.py", "rectification/rounds.py",
            "rectification/scores.py", "rectification/proposals.py", "rectification/cases.py", "rectification/history.py",
            "villages/service.py", "users/service.py", "worker/service.py"]


@pytest.mark.parametrize("path", SERVICES)
def test_services_do_not_compare_the_callers_role_themselves(path: str) -> None:
    """Role checks go through a table and `kit.permissions`, so the rules live in one place per domain."""
    import cunzhi

    source = (pathlib.Path(cunzhi.__file__).parent / path).read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "role":
            target = node.left.value
            assert not (isinstance(target, ast.Name) and target.id in ("p", "principal", "admin")), (
                f"{path}:{node.lineno} compares the caller's role; use kit.permissions")
