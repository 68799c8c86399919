"""Buyers' cases (money back guarantee): open one on a paid order, follow it, act on it.

``POST /orders/{order_id}/cases`` opens a case (the order's payout is held at once) and starts
its ``case_resolution`` execution; the seller responds, the buyer answers an offer, ships a return,
escalates or closes; each action moves the case (409 ``CASE_ACTION_NOT_ALLOWED`` when its state
does not allow it) and resumes the machine. Someone who is not a party gets 404 on every route;
the other party gets 403. A retried action that already took effect answers the case again.
"""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response  # noqa: TC002 - read at runtime (OpenAPI)
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import count, logger, tracer
from lambdas.wiring import cases
from workflows.cases.commands import (
    AnswerOfferRequest,
    NoteRequest,
    OpenCaseRequest,
    RespondRequest,
    ReturnShipmentRequest,
)
from workflows.cases.errors import (
    CaseActionNotAllowed,
    CaseAlreadyOpen,
    CaseNotFound,
    CaseOrderNotEligible,
    CaseTooEarly,
    CaseWindowClosed,
    InvalidCaseAmount,
    NotTheCaseBuyer,
    NotTheCaseSeller,
)
from workflows.cases.views import CasePage, CaseView
from workflows.orders.errors import OrderNotFound
from workflows.shared.errors import (
    ContractError,
    IdempotencyKeyReused,
    InvalidCursor,
    TransientError,
    Unauthenticated,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.shared.identity import Caller

app = make_resolver()

_COMMON = ((ContractError, "field details"), Unauthenticated, TransientError)
_CASE = (CaseNotFound, "also someone else's case")
_CASE_ID = Annotated[str, Path(min_length=1, max_length=64, description="The case's id")]


def _me(**keys: str) -> Caller:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, **keys)
    return who


@app.post(
    "/orders/<order_id>/cases",
    summary="The buyer opens a case on a paid order (not received, not as described, damaged, wrong item)",
    description=(
        "Within the case window after delivery (or after the latest estimated delivery date when the "
        "item never arrived). One open case per order; the order's payout is held until the case "
        "closes. The seller has respond_by to answer. The same Idempotency-Key with the same body "
        "answers the same case."
    ),
    status_code=HTTPStatus.CREATED,
    responses=error_responses(
        *_COMMON,
        (OrderNotFound, "also someone else's order"),
        NotTheCaseBuyer,
        CaseOrderNotEligible,
        (CaseTooEarly, "details.estimated_delivery"),
        CaseWindowClosed,
        (CaseAlreadyOpen, "details.case_id"),
        (IdempotencyKeyReused, "same key, another body"),
    ),
    tags=["cases"],
)
def open_case(
    order_id: Annotated[str, Path(min_length=1, max_length=64, description="The order's id")],
    request: OpenCaseRequest,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> Response[CaseView]:
    who = _me(order_id=order_id)
    view, created = cases.wiring().service.open(who, order_id, request, idempotency_key)
    if created:
        count("CasesOpened")
    return app.answer(view, headers={"Location": f"/cases/{view.case_id}"})


@app.get(
    "/cases/<case_id>",
    summary="A case with its timeline, for its buyer, its seller or an admin",
    responses=error_responses(*_COMMON, _CASE),
    tags=["cases"],
)
def get_case(case_id: _CASE_ID) -> CaseView:
    return cases.wiring().service.get(_me(case_id=case_id), case_id)


@app.get(
    "/me/cases",
    summary="The caller's cases as buyer (default) or as seller, newest first",
    responses=error_responses(*_COMMON, InvalidCursor),
    tags=["cases"],
)
def my_cases(
    role: Annotated[
        Literal["buyer", "seller"], Query(description="Cases the caller opened, or faces")
    ] = "buyer",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> CasePage:
    return cases.wiring().service.mine(_me(), role=role, limit=limit, cursor=cursor)


_ACTION_ERRORS = (*_COMMON, _CASE, (CaseActionNotAllowed, "details.status"))


@app.post(
    "/cases/<case_id>/respond",
    summary="The seller answers: full_refund, partial_refund (needs the buyer's yes), accept_return, decline",
    responses=error_responses(*_ACTION_ERRORS, NotTheCaseSeller, InvalidCaseAmount),
    tags=["cases"],
)
def respond(case_id: _CASE_ID, request: RespondRequest) -> CaseView:
    return cases.wiring().service.respond(_me(case_id=case_id), case_id, request)


@app.post(
    "/cases/<case_id>/answer-offer",
    summary="The buyer accepts or turns down the seller's partial refund",
    responses=error_responses(*_ACTION_ERRORS, NotTheCaseBuyer),
    tags=["cases"],
)
def answer_offer(case_id: _CASE_ID, request: AnswerOfferRequest) -> CaseView:
    return cases.wiring().service.answer_offer(_me(case_id=case_id), case_id, request)


@app.post(
    "/cases/<case_id>/return-shipment",
    summary="The buyer shipped the item back (within the return window)",
    responses=error_responses(*_ACTION_ERRORS, NotTheCaseBuyer),
    tags=["cases"],
)
def return_shipment(case_id: _CASE_ID, request: ReturnShipmentRequest) -> CaseView:
    return cases.wiring().service.return_shipment(_me(case_id=case_id), case_id, request)


@app.post(
    "/cases/<case_id>/confirm-return",
    summary="The seller received the return: the buyer is refunded",
    responses=error_responses(*_ACTION_ERRORS, NotTheCaseSeller),
    tags=["cases"],
)
def confirm_return(case_id: _CASE_ID) -> CaseView:
    return cases.wiring().service.confirm_return(_me(case_id=case_id), case_id)


@app.post(
    "/cases/<case_id>/escalate",
    summary="The buyer asks an admin to decide (after a decline, no answer in time, or a refused offer)",
    responses=error_responses(*_ACTION_ERRORS, NotTheCaseBuyer),
    tags=["cases"],
)
def escalate(case_id: _CASE_ID, request: Annotated[NoteRequest | None, Body()] = None) -> CaseView:
    return cases.wiring().service.escalate(_me(case_id=case_id), case_id, request or NoteRequest())


@app.post(
    "/cases/<case_id>/close",
    summary="The buyer closes the case (the seller's payout goes ahead)",
    responses=error_responses(*_ACTION_ERRORS, NotTheCaseBuyer),
    tags=["cases"],
)
def close(case_id: _CASE_ID, request: Annotated[NoteRequest | None, Body()] = None) -> CaseView:
    return cases.wiring().service.close(_me(case_id=case_id), case_id, request or NoteRequest())


# descriptions and personal data in the responses: never captured in traces
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
