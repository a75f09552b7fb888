"""Screening rules: criteria, score validation, and which villages a round proposes as weak. Pure.

A criterion measures how much one problem applies to a village: the score runs from the
criterion's `min_score` (no problem) to its `max_score` (the problem at its worst). Each criterion
belongs to one problem category (domain.md "Codes"); the county may add criteria, each mapped onto
one of those categories.

For a village with a score on every criterion of the round:

* a criterion's **severity** is its score's place in its range, 0..100;
* the village's **index** is the weight-averaged severity over all criteria, 0..100;
* the village is proposed **weak** when the index reaches the round's `weak_index`, or when any
  single criterion reaches `veto_share` (一票否决, when the round sets one);
* a weak village gets the category of every criterion whose severity reaches `category_share`;
  if none does, it gets the categories of its most severe criteria, so a weak village always has
  at least one category.

Comparisons use exact fractions, so a village exactly on a threshold is on the weak side
("reaches" means >=). Every decision comes with reasons a person can read (Chinese text) and a
structured form (`kind` + `params`) that clients can translate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from cunzhi.kit.codes import ProblemCategory

CATEGORIES: tuple[str, ...] = tuple(c.value for c in ProblemCategory)
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
HUNDRED = Fraction(100)


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    category: str
    weight: Decimal = Decimal(1)
    min_score: int = 0
    max_score: int = 10


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("no_fit_secretary", "书记人选缺乏或轮流坐庄", "no_fit_secretary"),
    Criterion("weak_economy", "贫困或集体经济薄弱", "weak_economy"),
    Criterion("poor_public_order", "治安环境差", "poor_public_order"),
    Criterion("many_petitions", "信访问题突出", "many_petitions"),
    Criterion("irregular_activity", "组织活动不正常", "irregular_activity"),
    Criterion("weak_branch", "支部建设薄弱", "weak_branch"),
)


@dataclass(frozen=True)
class Thresholds:
    """A round's settings, each a share 0..100."""

    weak_index: Decimal = Decimal(60)
    category_share: Decimal = Decimal(60)
    veto_share: Decimal | None = None


@dataclass(frozen=True)
class FieldProblem:
    loc: tuple[str | int, ...]
    msg: str
    type: str

    def as_dict(self) -> dict[str, Any]:
        return {"loc": [str(p) for p in self.loc], "msg": self.msg, "type": self.type}


@dataclass(frozen=True)
class Reason:
    kind: str
    text: str
    criterion: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "criterion": self.criterion, "text": self.text, "params": dict(self.params)}


@dataclass(frozen=True)
class Assessment:
    village: str
    index: Decimal  # 0..100, two places
    weak: bool
    categories: tuple[str, ...]
    reasons: tuple[Reason, ...]
    severities: Mapping[str, Decimal]  # criterion code -> 0..100, two places


# ---------------------------------------------------------------------------------------------
# Validation


def validate_criteria(criteria: Sequence[Criterion]) -> list[FieldProblem]:
    """Problems with a set of criteria (empty list: fine)."""
    out: list[FieldProblem] = []
    if not criteria:
        out.append(FieldProblem(("criteria",), "at least one criterion is needed", "criteria_empty"))
    seen: set[str] = set()
    for i, c in enumerate(criteria):
        out.extend(validate_criterion(c, loc=("criteria", i)))
        if c.code in seen:
            out.append(FieldProblem(("criteria", i, "code"), f"criterion {c.code} appears twice", "duplicate_criterion"))
        seen.add(c.code)
    return out


def validate_criterion(c: Criterion, *, loc: tuple[str | int, ...] = ()) -> list[FieldProblem]:
    out: list[FieldProblem] = []
    if not CODE_RE.match(c.code or ""):
        out.append(FieldProblem((*loc, "code"), "code: lower-case letters, digits and _, 2-40 long", "bad_code"))
    if not (c.name or "").strip():
        out.append(FieldProblem((*loc, "name"), "name is required", "missing"))
    if c.category not in CATEGORIES:
        out.append(FieldProblem((*loc, "category"), f"category must be one of {', '.join(CATEGORIES)}", "bad_category"))
    if not isinstance(c.weight, Decimal) or not c.weight.is_finite() or c.weight <= 0:
        out.append(FieldProblem((*loc, "weight"), "weight must be a positive number", "bad_weight"))
    if not _is_int(c.min_score) or not _is_int(c.max_score) or c.min_score < 0 or c.max_score <= c.min_score:
        out.append(FieldProblem((*loc, "max_score"), "need 0 <= min_score < max_score", "bad_range"))
    return out


def validate_thresholds(t: Thresholds) -> list[FieldProblem]:
    out: list[FieldProblem] = []
    for name in ("weak_index", "category_share", "veto_share"):
        v = getattr(t, name)
        if v is None and name == "veto_share":
            continue
        if not isinstance(v, Decimal) or not v.is_finite() or v <= 0 or v > 100:
            out.append(FieldProblem((name,), f"{name} must be more than 0 and at most 100", "bad_threshold"))
    return out


def validate_score(c: Criterion, value: object, *, loc: tuple[str | int, ...] = ()) -> list[FieldProblem]:
    if not _is_int(value):
        return [FieldProblem(loc, "score must be a whole number", "score_not_integer")]
    assert isinstance(value, int)
    if value < c.min_score or value > c.max_score:
        return [FieldProblem(loc, f"score for {c.code} must be between {c.min_score} and {c.max_score}", "score_out_of_range")]
    return []


def validate_scores(
    criteria: Sequence[Criterion],
    scores: Mapping[str, object],
    *,
    complete: bool = True,
    loc: tuple[str | int, ...] = (),
) -> list[FieldProblem]:
    """Problems with one village's scores: unknown criteria, values out of range, and (when
    `complete`) criteria without a score."""
    by_code = {c.code: c for c in criteria}
    out: list[FieldProblem] = []
    for code, value in scores.items():
        c = by_code.get(code)
        if c is None:
            out.append(FieldProblem((*loc, code), f"unknown criterion {code}", "unknown_criterion"))
            continue
        out.extend(validate_score(c, value, loc=(*loc, code)))
    if complete:
        for c in criteria:
            if c.code not in scores:
                out.append(FieldProblem((*loc, c.code), f"score for {c.code} is missing", "score_missing"))
    return out


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# ---------------------------------------------------------------------------------------------
# Assessment


def severity(c: Criterion, score: int) -> Fraction:
    """0..1: the score's place in the criterion's range."""
    return Fraction(score - c.min_score, c.max_score - c.min_score)


def assess(village: str, criteria: Sequence[Criterion], scores: Mapping[str, int], thresholds: Thresholds) -> Assessment:
    """Whether one village is proposed weak, with which categories, and why.

    The scores must be valid and complete (see `validate_scores`); otherwise ValueError.
    """
    problems = validate_scores(criteria, scores, complete=True)
    if problems:
        raise ValueError(f"{village}: " + "; ".join(p.msg for p in problems))
    sev = {c.code: severity(c, scores[c.code]) for c in criteria}
    total_weight = sum((Fraction(c.weight) for c in criteria), Fraction(0))
    index = sum((Fraction(c.weight) * sev[c.code] for c in criteria), Fraction(0)) / total_weight * HUNDRED
    weak_at = Fraction(thresholds.weak_index)
    cat_at = Fraction(thresholds.category_share)
    veto_at = Fraction(thresholds.veto_share) if thresholds.veto_share is not None else None

    reasons: list[Reason] = []
    weak = False
    if index >= weak_at:
        weak = True
        reasons.append(
            Reason(
                "index_reached",
                f"综合问题指数 {_fmt(index)} 达到弱村线 {_fmt(weak_at)}",
                params={"index": _fmt(index), "threshold": _fmt(weak_at)},
            )
        )
    vetoed = [c for c in criteria if veto_at is not None and sev[c.code] * HUNDRED >= veto_at]
    if vetoed:
        weak = True
        for c in vetoed:
            reasons.append(
                Reason(
                    "veto_reached",
                    f"{c.name}：{scores[c.code]}/{c.max_score} 分，单项达到一票否决线 {_fmt(veto_at or 0)}%",
                    criterion=c.code,
                    params=_score_params(c, scores[c.code], sev[c.code], veto_at or Fraction(0)),
                )
            )

    categories: list[str] = []
    if weak:
        flagged = [c for c in criteria if sev[c.code] * HUNDRED >= cat_at]
        kind, note = "category_reached", "达到问题认定线"
        if not flagged:
            top = max(sev.values())
            flagged = [c for c in criteria if sev[c.code] == top and top > 0]
            kind, note = "most_severe", "为该村最突出的问题"
        for c in flagged:
            if c.category not in categories:
                categories.append(c.category)
            reasons.append(
                Reason(
                    kind,
                    f"{c.name}：{scores[c.code]}/{c.max_score} 分（问题程度 {_fmt(sev[c.code] * HUNDRED)}%），{note}"
                    + (f" {_fmt(cat_at)}%" if kind == "category_reached" else ""),
                    criterion=c.code,
                    params=_score_params(c, scores[c.code], sev[c.code], cat_at),
                )
            )
    else:
        reasons.append(
            Reason(
                "index_below",
                f"综合问题指数 {_fmt(index)} 未达到弱村线 {_fmt(weak_at)}",
                params={"index": _fmt(index), "threshold": _fmt(weak_at)},
            )
        )
    # Keep categories in the canonical order of the glossary.
    categories.sort(key=CATEGORIES.index)
    return Assessment(
        village=village,
        index=_dec(index),
        weak=weak,
        categories=tuple(categories),
        reasons=tuple(reasons),
        severities={c.code: _dec(sev[c.code] * HUNDRED) for c in criteria},
    )


def propose(criteria: Sequence[Criterion], sheets: Mapping[str, Mapping[str, int]], thresholds: Thresholds) -> list[Assessment]:
    """Assess every village (code -> its scores); weak villages first, then by index, then code."""
    out = [assess(v, criteria, s, thresholds) for v, s in sheets.items()]
    out.sort(key=lambda a: (not a.weak, -a.index, a.village))
    return out


def missing_scores(
    criteria: Sequence[Criterion], villages: Iterable[str], scored: Mapping[str, Mapping[str, int]]
) -> dict[str, list[str]]:
    """village -> criteria codes without a score, for villages that miss any."""
    out: dict[str, list[str]] = {}
    for v in villages:
        have = scored.get(v, {})
        miss = [c.code for c in criteria if c.code not in have]
        if miss:
            out[v] = miss
    return out


def _score_params(c: Criterion, score: int, sev: Fraction, threshold: Fraction) -> dict[str, str]:
    return {
        "score": str(score),
        "min": str(c.min_score),
        "max": str(c.max_score),
        "severity": _fmt(sev * HUNDRED),
        "threshold": _fmt(threshold),
    }


def _dec(x: Fraction) -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _fmt(x: Fraction | int) -> str:
    """Two places, trailing zeros dropped: 60, 72.5, 66.67."""
    d = _dec(Fraction(x))
    s = f"{d:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s
