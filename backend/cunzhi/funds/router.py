"""HTTP for collective funds: parse, call the service, shape the reply. Rules live in service.py."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import File, Header, Path, Query, Response, UploadFile

from cunzhi.funds import drafts, service
from cunzhi.funds.budgets import BudgetAction, BudgetStatus
from cunzhi.funds.claims import ROUTED_ACTIONS, ClaimAction, ClaimState, machine_for
from cunzhi.funds.models import Amendment, AmendmentStatus, Attachment, BudgetCategory, Event, EventEntity
from cunzhi.funds.permissions import account_actions, budget_actions, claim_actions
from cunzhi.funds.schemas import (
    AccountOut,
    AmendmentIn,
    AmendmentOut,
    AttachmentOut,
    BudgetApproveIn,
    BudgetEditIn,
    BudgetIn,
    BudgetOut,
    BudgetSummary,
    ClaimDetail,
    ClaimEditIn,
    ClaimIn,
    ClaimOut,
    ClaimReversalOut,
    ExemptionIn,
    FundsEventOut,
    FundsReasonIn,
    IncomeIn,
    InvoiceExemptionOut,
    LedgerEntryOut,
    LineOut,
    LineSpendingOut,
    ReverseIn,
    SettingsIn,
    SettingsOut,
    StatementOut,
)
from cunzhi.funds.statements import ZERO
from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.etag import etag
from cunzhi.kit.inputs import INT4_MAX
from cunzhi.kit.pagination import CursorPage, Limit, Offset, Page
from cunzhi.kit.principal import Principal
from cunzhi.kit.routing import DomainRouter
from cunzhi.kit.uploads import upload_limit

router = DomainRouter(prefix="/api/v1/funds", tags=["funds"])

Code = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12-digit village code")]
TownshipCode = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12-digit township code")]
Year = Annotated[int, Query(ge=2000, le=2100)]
RowId = Annotated[int, Path(ge=1, le=INT4_MAX)]  # int4 keys: larger ids are a 422 for the field
LEDGER_ID_MAX = 2**63 - 1  # ledger entries have BIGINT keys

_CONFLICTS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found or out of scope"},
    403: {"description": "Not allowed for this role"},
    409: {"description": "Refused by the current state (illegal_transition, budget_exceeded, ...)"},
}


AccountList = Page[AccountOut]
LedgerPage = CursorPage[LedgerEntryOut]
BudgetList = Page[BudgetSummary]
ClaimList = Page[ClaimOut]


# ---- shaping --------------------------------------------------------------------------------------


def _events(events: Any) -> list[FundsEventOut]:
    return [FundsEventOut.model_validate(e) for e in events]


def _budget_summary(view: service.BudgetView) -> dict[str, Any]:
    b, v, lines = view.budget, view.village, view.lines
    return {
        "id": b.id, "village_id": v.id, "village_code": v.code, "village_name": v.name, "year": b.year,
        "status": b.status, "version": b.version,
        "total_planned": sum((x.planned for x in lines), ZERO),
        "total_approved": sum((x.approved for x in lines), ZERO),
        "total_committed": sum((x.committed for x in lines), ZERO),
        "total_paid": sum((x.paid for x in lines), ZERO),
    }


def _budget_out(view: service.BudgetView, p: Principal, response: Response | None = None) -> BudgetOut:
    if response is not None:
        response.headers["ETag"] = etag(view.budget.version)
    lines = [
        LineOut(id=x.id, position=x.position, category=BudgetCategory(x.category), purpose=x.purpose,
                planned=x.planned, approved=x.approved, committed=x.committed, paid=x.paid,
                available=x.approved - x.committed, approval_reason=x.approval_reason)
        for x in view.lines
    ]
    return BudgetOut(
        **_budget_summary(view), note=view.budget.note, return_reason=view.budget.return_reason, lines=lines,
        amendments=[_amendment_out(a) for a in view.amendments], trail=_events(view.events),
        allowed_actions=budget_actions(p, view.budget.status, pending_amendments=any(
            a.status == AmendmentStatus.pending.value for a in view.amendments), claimable=view.claims_open),
    )


def _account_out(view: service.AccountView, p: Principal) -> AccountOut:
    return AccountOut(**dataclasses.asdict(view), allowed_actions=account_actions(p))


def _amendment_out(a: Amendment) -> AmendmentOut:
    return AmendmentOut.model_validate(a)


def _claim_fields(view: service.ClaimView) -> dict[str, Any]:
    c = view.claim
    return {
        "id": c.id, "village_id": c.village_id, "village_code": view.village.code, "village_name": view.village.name,
        "budget_id": c.budget_id, "year": view.year, "line_id": c.line_id, "line_category": view.line_category,
        "line_purpose": view.line_purpose, "amount": c.amount, "purpose": c.purpose, "payee": c.payee,
        "status": c.status, "needs_approval": c.needs_approval, "created_by": c.created_by,
        "created_at": c.created_at, "updated_at": c.updated_at, "submitted_at": c.submitted_at,
    }


async def _claim_detail(session: Any, view: service.ClaimView, p: Principal) -> ClaimDetail:
    c = view.claim
    attachments = await service.list_attachments(session, c.id)
    events: list[Event] = list(await service.trail(session, EventEntity.claim, c.id))
    reversal = await service.claim_reversal(session, c, events)
    exempted = c.invoice_exemption_reason is not None
    return ClaimDetail(
        **_claim_fields(view),
        actions=machine_for(c.needs_approval).actions(c.status),
        allowed_actions=claim_actions(p, c.status, needs_approval=c.needs_approval, has_invoice=bool(attachments),
                                      exempted=exempted),
        payment_entry_id=await service.payment_entry_id(session, c.id),
        attachments=[AttachmentOut.model_validate(a) for a in attachments],
        invoice_exemption=InvoiceExemptionOut(
            reason=c.invoice_exemption_reason, granted_by=c.invoice_exempted_by or "",
            granted_at=c.invoice_exempted_at or c.updated_at) if c.invoice_exemption_reason is not None else None,
        reversal=ClaimReversalOut(**dataclasses.asdict(reversal)) if reversal else None,
        trail=_events(events),
    )


def _entry_out(view: service.EntryView) -> LedgerEntryOut:
    e = view.entry
    return LedgerEntryOut(
        id=e.id, village_id=e.village_id, kind=e.kind, amount=e.amount, effect=view.effect, booked_on=e.booked_on,
        booked_at=e.booked_at, source=e.source, description=e.description, line_id=e.line_id,
        claim_id=e.claim_id, reverses_id=e.reverses_id, reversed_by_id=view.reversed_by_id, booked_by=e.booked_by,
        received_on=e.received_on, payer=e.payer, voucher_no=e.voucher_no,
    )


def _statement_out(view: service.StatementView) -> StatementOut:
    s = view.statement
    return StatementOut(
        village_code=view.village_code, period_start=s.period_start, period_end=s.period_end,
        opening_balance=s.opening_balance, income=s.income, income_reversed=s.income_reversed,
        net_income=s.net_income,
        spending_by_line=[
            LineSpendingOut(
                line_id=x.line_id, category=view.lines.get(x.line_id, (None, ""))[0],
                purpose=view.lines.get(x.line_id, (None, ""))[1], paid=x.paid, reversed=x.reversed, net=x.net,
            )
            for x in s.spending_by_line
        ],
        spending_paid=s.spending_paid, spending_reversed=s.spending_reversed, net_spending=s.net_spending,
        reversal_count=s.reversal_count, closing_balance=s.closing_balance,
    )


# ---- settings -------------------------------------------------------------------------------------


@router.get("/townships/{township_code}/settings", response_model=SettingsOut, name="settings_get",
            summary="The township's single-claim limit (claims above it need township approval)")
async def settings_get(township_code: TownshipCode, principal: PrincipalDep, session: SessionDep) -> SettingsOut:
    """The township's funds settings: the single-claim limit above which claims need township approval, and whether
    claims may name another year's lines. Any role whose scope holds the township."""
    return _settings_out(await service.get_settings(session, principal, township_code))


def _settings_out(s: service.LimitSetting) -> SettingsOut:
    return SettingsOut(township_code=s.township_code, single_claim_limit=s.single_claim_limit, is_default=s.is_default,
                       other_year_claims=s.other_year_claims)


@router.put("/townships/{township_code}/settings", response_model=SettingsOut, name="settings_update",
            responses=_CONFLICTS,
            summary="Set the township's single-claim limit and whether claims may name another year's lines "
                    "(township official)")
async def settings_update(
    township_code: TownshipCode, body: SettingsIn, principal: PrincipalDep, session: SessionDep
) -> SettingsOut:
    """Sets the township's single-claim limit and whether claims may name lines of another year's budget. For the
    township official or the county admin; If-Match is required: 428 without it, 412 when the settings changed
    since they were read."""
    s = await service.set_settings(session, principal, township_code, body.single_claim_limit,
                                   other_year_claims=body.other_year_claims)
    return _settings_out(s)


# ---- accounts and ledger --------------------------------------------------------------------------


@router.get("/accounts", response_model=AccountList, name="accounts_list", summary="Village accounts in scope")
async def accounts_list(
    principal: PrincipalDep, session: SessionDep,
    township_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    village_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$",
                                              description="one village's account (an empty list when none is open)")] = None,
    limit: Limit = 50, offset: Offset = 0,
) -> AccountList:
    """The village accounts in the caller's scope with their balances (derived from the ledger). Any role that sees
    the villages."""
    items, total = await service.list_accounts(session, principal, township_code=township_code, limit=limit,
                                               offset=offset, village_code=village_code)
    return AccountList(items=[_account_out(a, principal) for a in items], total=total, limit=limit, offset=offset)


@router.post("/villages/{code}/account", response_model=AccountOut, status_code=201, name="account_open",
             responses=_CONFLICTS, summary="Open the village's account (township agency)")
async def account_open(code: Code, principal: PrincipalDep, session: SessionDep) -> AccountOut:
    """Opens a village's collective account with a zero balance; money then moves only through ledger entries. For
    the township agency; an account already open is 409."""
    return _account_out(await service.open_account(session, principal, code), principal)


@router.get("/villages/{code}/account", response_model=AccountOut, name="account_get",
            summary="The village's account and balance")
async def account_get(code: Code, principal: PrincipalDep, session: SessionDep) -> AccountOut:
    """A village's account: its balance from the ledger and the actions the caller may take. Any role whose scope
    holds the village; a village without an account is 404 account_missing."""
    return _account_out(await service.get_account(session, principal, code), principal)


@router.post("/villages/{code}/income", response_model=LedgerEntryOut, status_code=201, name="income_book",
             responses=_CONFLICTS, summary="Book income in full (township agency)")
async def income_book(code: Code, body: IncomeIn, principal: PrincipalDep, session: SessionDep) -> LedgerEntryOut:
    """Books income in full into the village's append-only ledger: amount, source, payer, voucher number and the day
    received (not after the day booked). For the township agency; an entry is never edited, only reversed."""
    entry = await service.book_income(session, principal, code, amount=body.amount, source=body.source,
                                      description=body.description, received_on=body.received_on,
                                      payer=body.payer, voucher_no=body.voucher_no)
    return _entry_out(service.EntryView(entry, None, None))


@router.get("/villages/{code}/ledger", response_model=LedgerPage, name="ledger_list",
            summary="The village's ledger, newest first, by cursor")
async def ledger_list(
    code: Code, principal: PrincipalDep, session: SessionDep,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$", description="next_cursor of the previous page")] = None,
    limit: Limit = 50,
) -> LedgerPage:
    """The village's ledger entries, newest first and paged by cursor, each with its kind, amount, effect on the
    balance and reversal links. Any role whose scope holds the village."""
    views, next_id = await service.ledger_page(session, principal, code,
                                               before_id=int(cursor) if cursor else None, limit=limit)
    return LedgerPage(items=[_entry_out(v) for v in views], next_cursor=str(next_id) if next_id else None)


@router.post("/ledger/{entry_id}/reverse", response_model=LedgerEntryOut, status_code=201, name="entry_reverse",
             responses=_CONFLICTS, summary="Correct an entry by a reversing entry (township agency)")
async def entry_reverse(
    entry_id: Annotated[int, Path(ge=1, le=LEDGER_ID_MAX)], body: ReverseIn, principal: PrincipalDep, session: SessionDep
) -> LedgerEntryOut:
    """Corrects a ledger entry by a reversing entry of the opposite effect, with the reason; the original stays and
    a paid claim shows the reversal. For the township agency; an entry reversed already, or a reversal, is 409."""
    entry = await service.reverse_entry(session, principal, entry_id, reason=body.reason)
    original = await session.get(type(entry), entry_id)
    return _entry_out(service.EntryView(entry, original.kind if original else None, None))


@router.get("/villages/{code}/statements/monthly", response_model=StatementOut, name="statement_monthly",
            summary="Monthly statement from the ledger")
async def statement_monthly(
    code: Code, year: Year, month: Annotated[int, Query(ge=1, le=12)], principal: PrincipalDep, session: SessionDep
) -> StatementOut:
    """A village's monthly statement computed from the ledger: opening balance, income by source, payments by line
    category and closing balance. Any role whose scope holds the village."""
    return _statement_out(await service.village_statement(session, principal, code, year=year, month=month))


@router.get("/villages/{code}/statements/yearly", response_model=StatementOut, name="statement_yearly",
            summary="Yearly statement from the ledger")
async def statement_yearly(code: Code, year: Year, principal: PrincipalDep, session: SessionDep) -> StatementOut:
    """A village's yearly statement computed from the ledger, with the budget lines' planned, approved and spent
    amounts. Any role whose scope holds the village."""
    return _statement_out(await service.village_statement(session, principal, code, year=year))


# ---- budgets --------------------------------------------------------------------------------------


@router.get("/budgets", response_model=BudgetList, name="budgets_list", summary="Budgets in scope")
async def budgets_list(
    principal: PrincipalDep, session: SessionDep,
    village_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: BudgetStatus | None = None,
    limit: Limit = 50, offset: Offset = 0,
) -> BudgetList:
    """The village budgets in the caller's scope, filtered by village, year and status. Any role that sees the
    villages; the supervision committee sees no drafts."""
    views, total = await service.list_budgets(session, principal, village_code=village_code, year=year,
                                              status=status, limit=limit, offset=offset)
    return BudgetList(items=[BudgetSummary(**_budget_summary(v)) for v in views], total=total, limit=limit,
                      offset=offset)


@router.post("/villages/{code}/budgets", response_model=BudgetOut, status_code=201, name="budget_create",
             responses=_CONFLICTS, summary="Draft the village's budget for a year (village committee)")
async def budget_create(
    code: Code, body: BudgetIn, principal: PrincipalDep, session: SessionDep, response: Response
) -> BudgetOut:
    """Drafts a village's budget for a year with its lines (category, purpose, amount). For the village committee; a
    budget of that year already there is 409."""
    view = await service.create_budget(session, principal, code, year=body.year, note=body.note, lines=body.lines)
    response.headers["Location"] = f"/api/v1/funds/budgets/{view.budget.id}"
    return _budget_out(view, principal, response)


@router.get("/budgets/{budget_id}", response_model=BudgetOut, name="budget_get",
            summary="A budget with its lines, amendments and trail")
async def budget_get(
    budget_id: RowId, principal: PrincipalDep, session: SessionDep, response: Response
) -> BudgetOut:
    """A budget with its lines (planned, approved, reserved and spent), amendments and trail, and the actions the
    caller may take. Any role whose scope holds the village; outside it is 404."""
    return _budget_out(await service.get_budget(session, principal, budget_id), principal, response)


@router.put("/budgets/{budget_id}", response_model=BudgetOut, name="budget_edit",
            responses={**_CONFLICTS, 412: {"description": "Stale If-Match"}, 428: {"description": "If-Match missing"}},
            summary="Replace the lines of a draft or returned budget (village committee)")
async def budget_edit(
    budget_id: RowId, body: BudgetEditIn, principal: PrincipalDep, session: SessionDep,
    response: Response, if_match: Annotated[str | None, Header(description="ETag from GET")] = None,
) -> BudgetOut:
    view = await service.edit_budget(session, principal, budget_id, if_match=if_match, note=body.note,
                                     lines=body.lines)
    return _budget_out(view, principal, response)


def _budget_action(action: BudgetAction, summary: str, description: str) -> None:
    async def act(
        budget_id: RowId, principal: PrincipalDep, session: SessionDep, response: Response,
        body: FundsReasonIn | None = None,
    ) -> BudgetOut:
        view = await service.act_on_budget(session, principal, budget_id, action,
                                           reason=body.reason if body else None)
        return _budget_out(view, principal, response)

    name = "return" if action is BudgetAction.return_ else action.value
    router.add_api_route(f"/budgets/{{budget_id}}/{name}", act, methods=["POST"], response_model=BudgetOut,
                         name=f"budget_{name}", summary=summary, description=description,
                         responses=_CONFLICTS)


_budget_action(BudgetAction.submit, "Submit the budget for township approval (village committee)",
               "Hands a draft or returned budget to the township for approval; its lines can no longer be edited. "
               "For the village committee; a budget in another state is 409.")


@router.post("/budgets/{budget_id}/approve", response_model=BudgetOut, name="budget_approve", responses=_CONFLICTS,
             summary="Approve the budget, setting each line's approved amount (township official)",
             description="Each named line gets its approved amount: never above what was planned, with a reason "
                         "when lower (422 `validation_error` naming the line otherwise). Lines not named are "
                         "approved as planned.")
async def budget_approve(
    budget_id: RowId, principal: PrincipalDep, session: SessionDep, response: Response,
    body: BudgetApproveIn | None = None,
) -> BudgetOut:
    approvals = [service.LineApproval(x.line_id, x.approved, x.reason) for x in (body.lines if body else [])]
    view = await service.act_on_budget(session, principal, budget_id, BudgetAction.approve,
                                       reason=body.reason if body else None, approvals=approvals)
    return _budget_out(view, principal, response)


_budget_action(BudgetAction.return_, "Return the budget with reasons (township official)",
               "Returns a submitted budget to the village committee with the reasons, to be changed and submitted "
               "again. For the township official; a missing reason is 422, a budget not submitted 409.")
_budget_action(BudgetAction.close, "Close the budget year: no more claims (township official)",
               "Closes an approved budget at the end of its year: no claim may name its lines any more. For the "
               "township official; a budget not approved, or with claims still open, is 409.")


@router.post("/lines/{line_id}/amendments", response_model=AmendmentOut, status_code=201, name="amendment_request",
             responses=_CONFLICTS, summary="Ask to change an approved line's amount (village committee)")
async def amendment_request(
    line_id: RowId, body: AmendmentIn, principal: PrincipalDep, session: SessionDep
) -> AmendmentOut:
    """Asks the township to change an approved line's amount, with the reason; the line keeps its amount until
    approved. For the village committee; a line already below what is reserved and spent is 409."""
    a = await service.request_amendment(session, principal, line_id, new_amount=body.new_amount, reason=body.reason)
    return _amendment_out(a)


@router.post("/amendments/{amendment_id}/approve", response_model=AmendmentOut, name="amendment_approve",
             responses=_CONFLICTS, summary="Approve an amendment (township official)")
async def amendment_approve(
    amendment_id: RowId, principal: PrincipalDep, session: SessionDep,
    body: FundsReasonIn | None = None,
) -> AmendmentOut:
    """Approves a pending amendment: the line's approved amount changes. For the township official; an amendment no
    longer pending is 409, an amount below what is spent 409."""
    a = await service.decide_amendment(session, principal, amendment_id, approve=True,
                                       reason=body.reason if body else None)
    return _amendment_out(a)


@router.post("/amendments/{amendment_id}/return", response_model=AmendmentOut, name="amendment_return",
             responses=_CONFLICTS, summary="Return an amendment with reasons (township official)")
async def amendment_return(
    amendment_id: RowId, body: FundsReasonIn, principal: PrincipalDep, session: SessionDep
) -> AmendmentOut:
    """Returns a pending amendment with the reasons; the line keeps its amount. For the township official; a missing
    reason is 422."""
    return _amendment_out(await service.decide_amendment(session, principal, amendment_id, approve=False,
                                                         reason=body.reason))


# ---- claims ---------------------------------------------------------------------------------------


@router.get("/claims", response_model=ClaimList, name="claims_list",
            summary="Claims in scope; the township's queue is status=committee_signed&needs_approval=true")
async def claims_list(
    principal: PrincipalDep, session: SessionDep,
    village_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    status: Annotated[list[ClaimState] | None, Query()] = None,
    needs_approval: bool | None = None,
    township_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    waiting_over_days: Annotated[int | None, Query(ge=1, le=365, description=(
        "only claims in their status for more than this many days (the dashboard's waiting too long)"))] = None,
    limit: Limit = 50, offset: Offset = 0,
) -> ClaimList:
    """Spending claims in the caller's scope, filtered by village, status and whether they need approval; the
    township's queue is status=committee_signed&needs_approval=true. Any role that sees the villages; the
    supervision committee sees submitted claims only."""
    views, total = await service.list_claims(session, principal, village_code=village_code, status=status or [],
                                             township_code=township_code, waiting_over_days=waiting_over_days,
                                             needs_approval=needs_approval, limit=limit, offset=offset)
    return ClaimList(items=[ClaimOut(**_claim_fields(v)) for v in views], total=total, limit=limit, offset=offset)


@router.post("/villages/{code}/claims", response_model=ClaimDetail, status_code=201, name="claim_create",
             responses={**_CONFLICTS, 422: {"description": "Bad amount, or the line is not this village's"}},
             summary="File a spending claim against a budget line, reserving its amount (village committee)")
async def claim_create(
    code: Code, body: ClaimIn, principal: PrincipalDep, session: SessionDep, response: Response
) -> ClaimDetail:
    """Files a draft spending claim against a line of the current year's approved budget, reserving its amount. For
    the village committee; an amount above what is left on the line is 409, a line of another year 422
    budget_not_current_year."""
    view = await service.create_claim(session, principal, code, line_id=body.line_id, amount=body.amount,
                                      purpose=body.purpose, payee=body.payee)
    response.headers["Location"] = f"/api/v1/funds/claims/{view.claim.id}"
    return await _claim_detail(session, view, principal)


@router.get("/claims/{claim_id}", response_model=ClaimDetail, name="claim_get",
            summary="A claim with its attachments and approval trail; its ETag changes with every step")
async def claim_get(claim_id: RowId, principal: PrincipalDep, session: SessionDep, response: Response) -> ClaimDetail:
    """A claim with its invoices, exemption, reversal, approval trail and the actions the caller may take now; its
    ETag changes with every step. Any role whose scope holds the village (the supervision committee: not drafts)."""
    view = await service.get_claim(session, principal, claim_id)
    response.headers["ETag"] = await drafts.claim_etag(session, claim_id)
    return await _claim_detail(session, view, principal)


@router.patch("/claims/{claim_id}", response_model=ClaimDetail, name="claim_edit",
              responses={**_CONFLICTS, 412: {"description": "Stale If-Match"}, 428: {"description": "If-Match missing"},
                         422: {"description": "Bad field, or nothing to change"}},
              summary="Change a draft claim's purpose, payee, amount or line (village committee)")
async def claim_edit(
    claim_id: RowId, body: ClaimEditIn, principal: PrincipalDep, session: SessionDep, response: Response,
    if_match: Annotated[str | None, Header(description="ETag from GET")] = None,
) -> ClaimDetail:
    view = await drafts.edit_claim(session, principal, claim_id, if_match=if_match,
                                   changes={k: v for k, v in body if v is not None})
    response.headers["ETag"] = await drafts.claim_etag(session, claim_id)
    return await _claim_detail(session, view, principal)


_CLAIM_DESCRIPTIONS = {
    ClaimAction.submit: "Submits a draft claim to the village's supervision committee; it needs an invoice or an approved "
                        "exemption. For the village committee; no invoice is 409, a claim in another state 409.",
    ClaimAction.sign: "The village's supervision committee signs a submitted claim after checking its invoices; a claim "
                      "within the single-claim limit can then be paid, one above it goes to the township. For the "
                      "supervision committee only; a claim in another state is 409.",
    ClaimAction.approve: "The township approves a signed claim above the single-claim limit, so that it can be paid. For "
                         "the township official; a claim without an invoice or exemption, or in another state, is 409.",
    ClaimAction.pay: "Pays a signed (and, above the limit, approved) claim: a payment entry is written to the village's "
                     "ledger and the line's reservation becomes spent. For the township agency; no invoice, a claim in "
                     "another state or a balance too low is 409.",
    ClaimAction.reject: "Rejects a claim with the reasons, releasing the amount reserved on its line. For the supervision "
                        "committee, the township official or the township agency at their step; a missing reason is 422.",
    ClaimAction.withdraw: "The village committee withdraws its own claim before it is paid, releasing the amount reserved "
                          "on its line. A paid or rejected claim is 409.",
    ClaimAction.recall: "The village committee takes a submitted claim that is not yet signed back to draft, to change "
                        "it. A signed claim is 409.",
}


_CLAIM_SUMMARIES = {
    ClaimAction.submit: "Submit the claim to the supervision committee (village committee)",
    ClaimAction.sign: "Sign the claim (the village's supervision committee)",
    ClaimAction.approve: "Approve a claim above the single-claim limit (township official)",
    ClaimAction.pay: "Pay the claim, writing the ledger (township agency)",
    ClaimAction.reject: "Reject the claim with reasons, releasing its reservation",
    ClaimAction.withdraw: "Withdraw the claim, releasing its reservation (village committee)",
    ClaimAction.recall: "Take a submitted claim not yet signed back to draft, to change it (village committee)",
}


def _claim_action(action: ClaimAction) -> None:
    async def act(
        claim_id: RowId, principal: PrincipalDep, session: SessionDep,
        body: FundsReasonIn | None = None,
    ) -> ClaimDetail:
        view = await service.act_on_claim(session, principal, claim_id, action, reason=body.reason if body else None)
        return await _claim_detail(session, view, principal)

    router.add_api_route(f"/claims/{{claim_id}}/{action.value}", act, methods=["POST"], response_model=ClaimDetail,
                         name=f"claim_{action.value}", summary=_CLAIM_SUMMARIES[action],
                         description=_CLAIM_DESCRIPTIONS[action], responses=_CONFLICTS)


for _action in ROUTED_ACTIONS:
    _claim_action(_action)


@router.post("/claims/{claim_id}/invoice-exemption", response_model=ClaimDetail, name="claim_exempt_invoice",
             responses=_CONFLICTS,
             summary="Let a claim with no invoice go on, recording why (township official)")
async def claim_exempt_invoice(
    claim_id: RowId, body: ExemptionIn, principal: PrincipalDep, session: SessionDep
) -> ClaimDetail:
    """Lets a claim for an expense that has no invoice go on, recording who allowed it and why. For the township
    official; a claim that has an invoice, or is past approval, is 409."""
    view = await service.exempt_invoice(session, principal, claim_id, reason=body.reason)
    return await _claim_detail(session, view, principal)


@router.post("/claims/{claim_id}/attachments", response_model=AttachmentOut, status_code=201,
             name="attachment_upload",
             responses={**_CONFLICTS, 413: {"description": "Too large"}, 422: {"description": "Not a PDF/JPEG/PNG"}},
             summary="Attach an invoice (PDF, JPEG or PNG) to a claim not yet signed (village committee)")
async def attachment_upload(
    claim_id: RowId, file: Annotated[UploadFile, File()], principal: PrincipalDep,
    session: SessionDep,
) -> AttachmentOut:
    """Attaches an invoice (PDF, JPEG or PNG, checked by content) to a claim that is not yet signed. For the village
    committee; another file type is 422, a too-large file 413, a signed claim 409."""
    content = await file.read(upload_limit() + 1)
    att = await service.add_attachment(session, principal, claim_id, filename=file.filename or "invoice",
                                       content=content)
    return AttachmentOut.model_validate(att)


@router.get("/attachments/{attachment_id}", name="attachment_download", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
            summary="Download an attachment")
async def attachment_download(
    attachment_id: RowId, principal: PrincipalDep, session: SessionDep
) -> Response:
    """Downloads a claim's invoice as it was uploaded. Any role whose scope holds the claim's village; outside it is
    404."""
    att: Attachment = await service.get_attachment(session, principal, attachment_id)
    return Response(
        att.content, media_type=att.content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(att.filename)}",
                 "X-Content-SHA256": att.sha256},
    )

