"""The admins' side of cases: what waits for them, their decision, a seller's case rate.

``GET /admin/cases?status=escalated`` lists the cases (flagged buyers marked);
``POST /admin/cases/{case_id}/decision`` refunds the buyer (in full or in part) or closes the
case for the seller; ``GET /admin/sellers/{seller_id}/cases`` is a seller's case rate;
``GET /admin/disputes/{id}`` and ``POST /admin/disputes/{id}/evidence`` follow and answer Stripe's
disputes.
"""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import count, logger, tracer
from lambdas.wiring import cases
from workflows.cases.commands import DecisionRequest, EvidenceRequest
from workflows.cases.errors import (
    CaseActionNotAllowed,
    CaseNotFound,
    DisputeNotFound,
    DisputeNotOpen,
    InvalidCaseAmount,
)
from workflows.cases.model import CaseStatus
from workflows.cases.views import AdminCasePage, CaseView, DisputeView, SellerCaseRateView
from workflows.shared.errors import AdminOnly, ContractError, InvalidCursor, TransientError, Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.shared.identity import Caller

app = make_resolver()

_COMMON = ((ContractError, "field details"), Unauthenticated, AdminOnly, TransientError)


def _admin(**keys: str) -> Caller:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, **keys)
    who.require("admin")
    return who


@app.get(
    "/admin/cases",
    summary="Cases by status (e.g. escalated: what waits for an admin), newest first",
    responses=error_responses(*_COMMON, InvalidCursor),
    tags=["admin"],
)
def list_cases(
    status: Annotated[CaseStatus | None, Query(description="Only cases in this status")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> AdminCasePage:
    return cases.wiring().service.admin_list(_admin(), status=status, limit=limit, cursor=cursor)


@app.post(
    "/admin/cases/<case_id>/decision",
    summary="An admin decides a case: refund_buyer, refund_partial {amount} or close_for_seller",
    responses=error_responses(
        *_COMMON, CaseNotFound, (CaseActionNotAllowed, "details.status"), InvalidCaseAmount
    ),
    tags=["admin"],
)
def decide(
    case_id: Annotated[str, Path(min_length=1, max_length=64, description="The case's id")],
    request: DecisionRequest,
) -> CaseView:
    view = cases.wiring().service.decide(_admin(case_id=case_id), case_id, request)
    count("CaseDecisions", outcome=request.outcome)
    return view


@app.get(
    "/admin/sellers/<seller_id>/cases",
    summary="A seller's case rate: cases opened against them per paid order over the abuse period",
    responses=error_responses(*_COMMON),
    tags=["admin"],
)
def seller_cases(
    seller_id: Annotated[str, Path(min_length=1, max_length=64, description="The seller's user id")],
) -> SellerCaseRateView:
    return cases.wiring().service.seller_rate(_admin(seller_id=seller_id), seller_id)


_DISPUTE_ID = Annotated[
    str, Path(min_length=4, max_length=64, pattern=r"^du_[A-Za-z0-9]+$", description="Stripe's id")
]


@app.get(
    "/admin/disputes/<dispute_id>",
    summary="A Stripe dispute (chargeback) as the platform follows it: status, orders, evidence deadline",
    responses=error_responses(*_COMMON, DisputeNotFound),
    tags=["admin"],
)
def get_dispute(dispute_id: _DISPUTE_ID) -> DisputeView:
    return cases.wiring().disputes.get(_admin(dispute_id=dispute_id), dispute_id)


@app.post(
    "/admin/disputes/<dispute_id>/evidence",
    summary="Send the platform's evidence of a disputed charge to Stripe (submitted unless submit is false)",
    responses=error_responses(*_COMMON, DisputeNotFound, (DisputeNotOpen, "details.stripe_status")),
    tags=["admin"],
)
def submit_evidence(dispute_id: _DISPUTE_ID, request: EvidenceRequest) -> DisputeView:
    return cases.wiring().disputes.submit_evidence(_admin(dispute_id=dispute_id), dispute_id, request)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
