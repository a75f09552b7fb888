"""Screening rules: validation of criteria and scores, and the round's proposal with reasons."""

from decimal import Decimal

import pytest

from cunzhi.kit.codes import ProblemCategory
from cunzhi.rectification.scoring import (
    DEFAULT_CRITERIA,
    Criterion,
    Thresholds,
    assess,
    missing_scores,
    propose,
    validate_criteria,
    validate_score,
    validate_scores,
    validate_thresholds,
)

SIX = DEFAULT_CRITERIA
ZERO = {c.code: 0 for c in SIX}


def sheet(**scores: int) -> dict[str, int]:
    return {**ZERO, **scores}


def test_default_criteria_map_to_the_six_fault_categories() -> None:
    assert [c.code for c in SIX] == [
        "no_fit_secretary",
        "weak_economy",
        "poor_public_order",
        "many_petitions",
        "irregular_activity",
        "weak_branch",
    ]
    assert all(c.category == c.code for c in SIX)
    assert {c.category for c in SIX} == {p.value for p in ProblemCategory} - {"specialty_farming"}
    assert validate_criteria(SIX) == []


# -- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criterion", "kind"),
    [
        (Criterion("Bad-Code", "x", "weak_economy"), "bad_code"),
        (Criterion("x", "x", "weak_economy"), "bad_code"),  # too short
        (Criterion("ok_code", "  ", "weak_economy"), "missing"),
        (Criterion("ok_code", "名", "not_a_category"), "bad_category"),
        (Criterion("ok_code", "名", "weak_economy", weight=Decimal(0)), "bad_weight"),
        (Criterion("ok_code", "名", "weak_economy", weight=Decimal(-1)), "bad_weight"),
        (Criterion("ok_code", "名", "weak_economy", weight=Decimal("NaN")), "bad_weight"),
        (Criterion("ok_code", "名", "weak_economy", min_score=5, max_score=5), "bad_range"),
        (Criterion("ok_code", "名", "weak_economy", min_score=-1, max_score=5), "bad_range"),
        (Criterion("ok_code", "名", "weak_economy", min_score=6, max_score=5), "bad_range"),
    ],
)
def test_bad_criterion(criterion: Criterion, kind: str) -> None:
    problems = validate_criteria([criterion])
    assert [p.type for p in problems] == [kind]
    assert problems[0].loc[:2] == ("criteria", 0)


def test_duplicate_and_empty_criteria() -> None:
    assert [p.type for p in validate_criteria([])] == ["criteria_empty"]
    dup = validate_criteria([SIX[0], SIX[1], SIX[0]])
    assert [(p.type, p.loc) for p in dup] == [("duplicate_criterion", ("criteria", 2, "code"))]


def test_county_may_add_a_criterion_onto_a_known_category() -> None:
    extra = Criterion("specialty_need", "发展特色种养需求", "specialty_farming", weight=Decimal("0.5"), max_score=5)
    assert validate_criteria([*SIX, extra]) == []


@pytest.mark.parametrize("value", [0, 5, 10])
def test_score_in_range(value: int) -> None:
    assert validate_score(SIX[0], value) == []


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (-1, "score_out_of_range"),
        (11, "score_out_of_range"),
        (2.5, "score_not_integer"),
        ("3", "score_not_integer"),
        (True, "score_not_integer"),
        (None, "score_not_integer"),
    ],
)
def test_score_out_of_range_or_not_whole(value: object, kind: str) -> None:
    [p] = validate_score(SIX[0], value, loc=("scores", "no_fit_secretary"))
    assert p.type == kind
    assert p.as_dict()["loc"] == ["scores", "no_fit_secretary"]


def test_score_range_follows_the_criterion() -> None:
    c = Criterion("custom_one", "自定", "weak_branch", min_score=1, max_score=5)
    assert validate_score(c, 0)[0].type == "score_out_of_range"
    assert validate_score(c, 1) == []
    assert validate_score(c, 5) == []
    assert validate_score(c, 6)[0].type == "score_out_of_range"


def test_validate_scores_lists_every_problem() -> None:
    problems = validate_scores(SIX, {"weak_economy": 12, "nonsense": 1, "weak_branch": 3})
    kinds = sorted((p.type, p.loc[-1]) for p in problems)
    assert ("score_out_of_range", "weak_economy") in kinds
    assert ("unknown_criterion", "nonsense") in kinds
    assert [k for k in kinds if k[0] == "score_missing"] == sorted(
        ("score_missing", c) for c in ("no_fit_secretary", "poor_public_order", "many_petitions", "irregular_activity")
    )
    # Partial sheets are fine when completeness is not asked for.
    assert validate_scores(SIX, {"weak_branch": 3}, complete=False) == []


@pytest.mark.parametrize(
    "t",
    [
        Thresholds(weak_index=Decimal(0)),
        Thresholds(weak_index=Decimal("100.01")),
        Thresholds(category_share=Decimal(-5)),
        Thresholds(veto_share=Decimal(0)),
        Thresholds(veto_share=Decimal("Infinity")),
    ],
)
def test_bad_thresholds(t: Thresholds) -> None:
    assert [p.type for p in validate_thresholds(t)] == ["bad_threshold"]


def test_good_thresholds() -> None:
    assert validate_thresholds(Thresholds()) == []
    assert validate_thresholds(Thresholds(Decimal(100), Decimal(100), Decimal(100))) == []


# -- assessment -----------------------------------------------------------------------------


def test_clean_village_is_not_weak_and_says_why() -> None:
    a = assess("v1", SIX, ZERO, Thresholds())
    assert not a.weak
    assert a.categories == ()
    assert a.index == Decimal("0.00")
    assert [r.kind for r in a.reasons] == ["index_below"]
    assert "未达到弱村线 60" in a.reasons[0].text


def test_index_is_the_weighted_mean_severity() -> None:
    crit = [
        Criterion("aa", "甲", "weak_economy", weight=Decimal(3)),
        Criterion("bb", "乙", "weak_branch", weight=Decimal(1), max_score=5),
    ]
    a = assess("v", crit, {"aa": 5, "bb": 5}, Thresholds())
    # (3 * 0.5 + 1 * 1.0) / 4 = 0.625
    assert a.index == Decimal("62.50")
    assert a.severities == {"aa": Decimal("50.00"), "bb": Decimal("100.00")}
    assert a.weak
    assert a.categories == ("weak_branch",)


def test_exactly_on_the_threshold_is_weak() -> None:
    a = assess("v", SIX, {c.code: 6 for c in SIX}, Thresholds(weak_index=Decimal(60)))
    assert a.index == Decimal("60.00")
    assert a.weak
    # every criterion at 60% reaches the 60% category line
    assert a.categories == (
        "no_fit_secretary",
        "weak_economy",
        "poor_public_order",
        "many_petitions",
        "irregular_activity",
        "weak_branch",
    )
    assert a.reasons[0].kind == "index_reached"
    assert a.reasons[0].params == {"index": "60", "threshold": "60"}


def test_just_below_the_threshold_is_not_weak() -> None:
    # 35 / 60 = 58.33 < 60
    scores = {
        "no_fit_secretary": 6,
        "weak_economy": 6,
        "poor_public_order": 6,
        "many_petitions": 6,
        "irregular_activity": 6,
        "weak_branch": 5,
    }
    a = assess("v", SIX, scores, Thresholds())
    assert a.index == Decimal("58.33")
    assert not a.weak


def test_categories_are_those_reaching_the_category_line() -> None:
    s = sheet(weak_economy=10, poor_public_order=10, many_petitions=10, weak_branch=7, irregular_activity=5)
    # index = (10+10+10+7+5)/60 = 70
    a = assess("v", SIX, s, Thresholds(weak_index=Decimal(60), category_share=Decimal(70)))
    assert a.weak
    assert a.categories == ("weak_economy", "poor_public_order", "many_petitions", "weak_branch")
    kinds = [(r.kind, r.criterion) for r in a.reasons]
    assert kinds[0] == ("index_reached", None)
    assert ("category_reached", "weak_branch") in kinds
    assert ("category_reached", "irregular_activity") not in kinds
    economy = next(r for r in a.reasons if r.criterion == "weak_economy")
    assert economy.text == "贫困或集体经济薄弱：10/10 分（问题程度 100%），达到问题认定线 70%"
    assert economy.params == {"score": "10", "min": "0", "max": "10", "severity": "100", "threshold": "70"}


def test_weak_village_always_gets_a_category() -> None:
    # Everything moderately bad, nothing past the category line: the worst ones are named.
    s = {c.code: 7 for c in SIX} | {"many_petitions": 8, "weak_branch": 8}
    a = assess("v", SIX, s, Thresholds(weak_index=Decimal(70), category_share=Decimal(90)))
    assert a.weak
    assert a.categories == ("many_petitions", "weak_branch")
    assert {r.kind for r in a.reasons[1:]} == {"most_severe"}


def test_veto_makes_a_village_weak_on_one_criterion() -> None:
    s = sheet(poor_public_order=10)
    t = Thresholds(veto_share=Decimal(90))
    a = assess("v", SIX, s, t)
    assert a.index == Decimal("16.67")
    assert a.weak
    assert a.categories == ("poor_public_order",)
    assert [r.kind for r in a.reasons] == ["veto_reached", "category_reached"]
    assert "一票否决" in a.reasons[0].text
    # without a veto line the same village is not weak
    assert not assess("v", SIX, s, Thresholds()).weak


def test_categories_of_added_criteria_merge_with_their_category() -> None:
    extra = Criterion("rotating_secretary", "书记轮流坐庄", "no_fit_secretary")
    crit = [*SIX, extra]
    s = {c.code: 8 for c in crit}
    a = assess("v", crit, s, Thresholds())
    assert a.categories.count("no_fit_secretary") == 1
    assert [r.criterion for r in a.reasons if r.kind == "category_reached"].count("no_fit_secretary") == 1
    assert "rotating_secretary" in [r.criterion for r in a.reasons]


def test_assess_refuses_incomplete_or_bad_scores() -> None:
    with pytest.raises(ValueError, match="missing"):
        assess("v", SIX, {"weak_economy": 3}, Thresholds())
    with pytest.raises(ValueError, match="between 0 and 10"):
        assess("v", SIX, sheet(weak_economy=11), Thresholds())


def test_propose_orders_weak_first_then_by_index() -> None:
    sheets = {
        "v3": sheet(weak_economy=10, weak_branch=10, many_petitions=10, poor_public_order=10),  # 66.67
        "v1": ZERO,
        "v2": {c.code: 9 for c in SIX},  # 90
        "v4": sheet(weak_branch=1),
    }
    out = propose(SIX, sheets, Thresholds())
    assert [(a.village, a.weak) for a in out] == [("v2", True), ("v3", True), ("v4", False), ("v1", False)]
    assert out[1].index == Decimal("66.67")
    assert out[1].reasons[0].text == "综合问题指数 66.67 达到弱村线 60"


def test_missing_scores() -> None:
    scored = {"v1": ZERO, "v2": {"weak_economy": 3}}
    miss = missing_scores(SIX, ["v1", "v2", "v3"], scored)
    assert set(miss) == {"v2", "v3"}
    assert "weak_economy" not in miss["v2"]
    assert miss["v3"] == [c.code for c in SIX]


def test_reason_as_dict_is_json_ready() -> None:
    a = assess("v", SIX, sheet(weak_economy=10, weak_branch=10, many_petitions=10, irregular_activity=10), Thresholds())
    d = a.reasons[0].as_dict()
    assert set(d) == {"kind", "criterion", "text", "params"}
    assert all(isinstance(v, str) for v in d["params"].values())


def test_every_reason_kind_is_in_the_contract_with_its_params() -> None:
    """The SPA writes each reason from its kind and params in the reader's language."""
    from typing import get_args

    from cunzhi.rectification.schemas import ScreeningReasonKind

    veto = Thresholds(veto_share=Decimal(90))
    seen: dict[str, set[str]] = {}
    for scores, t in ((ZERO, Thresholds()), (sheet(weak_economy=10, weak_branch=10), Thresholds()),
                      (sheet(weak_economy=10), veto), (sheet(**{c.code: 7 for c in SIX}), Thresholds(category_share=Decimal(90)))):
        for r in assess("v", SIX, scores, t).reasons:
            seen.setdefault(r.kind, set()).update(r.params)
    assert set(seen) == set(get_args(ScreeningReasonKind))
    assert seen["index_below"] == seen["index_reached"] == {"index", "threshold"}
    for kind in ("veto_reached", "category_reached", "most_severe"):
        assert seen[kind] == {"score", "min", "max", "severity", "threshold"}
