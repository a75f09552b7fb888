"""Codes of the discipline-case register (违法违纪案件): the village cadre's role, the kind of
violation and the outcome. English names in the API, the zh-CN labels beside them (the SPA has the
same labels in its i18n; township systems read them in the contract's descriptions)."""

from enum import StrEnum


class CadreRole(StrEnum):
    """The role the person held in the village when the case was filed."""

    branch_secretary = "branch_secretary"
    branch_committee_member = "branch_committee_member"
    village_head = "village_head"
    village_committee_member = "village_committee_member"
    supervision_committee_member = "supervision_committee_member"
    village_accountant = "village_accountant"
    other_cadre = "other_cadre"


class Violation(StrEnum):
    embezzlement = "embezzlement"
    relief_funds_misuse = "relief_funds_misuse"
    bribery = "bribery"
    assets_resources = "assets_resources"
    election_misconduct = "election_misconduct"
    frugality_rules = "frugality_rules"
    favouritism = "favouritism"
    disclosure_failure = "disclosure_failure"
    dereliction = "dereliction"
    other = "other"


class CaseOutcome(StrEnum):
    pending = "pending"
    no_sanction = "no_sanction"
    admonition = "admonition"
    warning = "warning"
    serious_warning = "serious_warning"
    removal_from_post = "removal_from_post"
    probation = "probation"
    expulsion = "expulsion"
    judicial_transfer = "judicial_transfer"


ROLE_LABELS: dict[CadreRole, str] = {
    CadreRole.branch_secretary: "村党支部书记",
    CadreRole.branch_committee_member: "村党支部委员",
    CadreRole.village_head: "村委会主任",
    CadreRole.village_committee_member: "村委会委员",
    CadreRole.supervision_committee_member: "村务监督委员会成员",
    CadreRole.village_accountant: "村会计（报账员）",
    CadreRole.other_cadre: "其他村干部",
}
VIOLATION_LABELS: dict[Violation, str] = {
    Violation.embezzlement: "侵占挪用集体资金",
    Violation.relief_funds_misuse: "截留挪用惠农扶贫资金",
    Violation.bribery: "索贿受贿",
    Violation.assets_resources: "违规处置集体资产资源",
    Violation.election_misconduct: "选举违纪（拉票贿选）",
    Violation.frugality_rules: "违反中央八项规定精神",
    Violation.favouritism: "优亲厚友、侵害群众利益",
    Violation.disclosure_failure: "村务公开不实",
    Violation.dereliction: "失职失责",
    Violation.other: "其他违法违纪",
}
OUTCOME_LABELS: dict[CaseOutcome, str] = {
    CaseOutcome.pending: "处理中",
    CaseOutcome.no_sanction: "免予处分",
    CaseOutcome.admonition: "诫勉谈话",
    CaseOutcome.warning: "警告",
    CaseOutcome.serious_warning: "严重警告",
    CaseOutcome.removal_from_post: "撤销党内职务",
    CaseOutcome.probation: "留党察看",
    CaseOutcome.expulsion: "开除党籍",
    CaseOutcome.judicial_transfer: "移送司法机关",
}


def described(labels: dict[str, str]) -> str:
    return "; ".join(f"`{k}` {v}" for k, v in labels.items())
