"""The checkout step handlers: the Payload parsed with the state's input model (a caught error read
into the domain's type at the edge), the service's model returned as JSON, and the business
metrics counted once per business event ("OrdersPaid" for orders paid now, "RefundsIssued" for a
refund made), never for a retry that found the work done."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from lambdas.steps.checkout import abandon_checkout, create_orders, mark_paid, refund_checkout
from lambdas.wiring import checkout
from tests.fakes.lambda_runtime import Answers, Context
from workflows.checkout.contracts import AbandonOutput, CreateOrdersOutput, MarkPaidOutput, RefundOutput
from workflows.shared.caught import CaughtError

pytestmark = pytest.mark.usefixtures("fresh_wiring")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, dict[str, str]]]:
    seen: list[tuple[str, int, dict[str, str]]] = []

    def count(event: str, value: int = 1, **dimensions: str) -> None:
        seen.append((event, value, dimensions))

    monkeypatch.setattr(mark_paid, "count", count)
    monkeypatch.setattr(refund_checkout, "count", count)
    return seen


STEP = {"checkout_id": "co-1", "execution": "co-1"}


def test_given_orders_paid_now_then_orders_paid_is_counted_once_not_on_the_retry(
    counted: list[tuple[str, int, dict[str, str]]],
) -> None:
    paid = MarkPaidOutput(order_ids=["o-1", "o-2"], charge_id="ch_1", currency="EUR", paid_now=2)
    checkout.wiring().service = Answers(paid, paid.model_copy(update={"paid_now": 0}))  # type: ignore[assignment]
    first = mark_paid.handler(STEP, Context())
    again = mark_paid.handler(STEP, Context())
    assert first == again | {"paid_now": 2}
    assert first["charge_id"] == "ch_1"
    assert counted == [("OrdersPaid", 2, {"currency": "EUR"})]


def test_given_a_refund_then_refunds_issued_is_counted_and_nothing_when_nothing_was_refunded(
    counted: list[tuple[str, int, dict[str, str]]],
) -> None:
    made = RefundOutput(status="failed", refunded=True, refund_id="re_1", currency="USD")
    service = Answers(made, RefundOutput(status="paid", refunded=False))
    checkout.wiring().service = service  # type: ignore[assignment]
    error = {"Error": "KeyError", "Cause": json.dumps({"errorMessage": "'x'", "errorType": "KeyError"})}
    assert refund_checkout.handler(STEP | {"error": error}, Context())["refund_id"] == "re_1"
    refund_checkout.handler(STEP | {"error": None}, Context())
    assert counted == [("RefundsIssued", 1, {"currency": "USD"})]
    # the caught error reached the service as the domain's type, read at the edge
    assert service.calls[0] == ("refund", ("co-1", CaughtError("KeyError", "'x'")), {})
    assert service.calls[1] == ("refund", ("co-1", None), {})


def test_given_a_refusal_then_abandon_gets_the_outcome_and_the_parsed_error() -> None:
    service = Answers(AbandonOutput(status="cancelled", code="PRICE_CHANGED"))
    checkout.wiring().service = service  # type: ignore[assignment]
    cause = json.dumps({"errorMessage": "a price moved", "errorType": "PriceChanged", "stackTrace": []})
    event = STEP | {"outcome": "refused", "error": {"Error": "PriceChanged", "Cause": cause}}
    assert abandon_checkout.handler(event, Context()) == {"status": "cancelled", "code": "PRICE_CHANGED"}
    refusal = CaughtError("PriceChanged", "a price moved")
    assert service.calls == [("abandon", ("co-1", "refused", refusal), {})]


def test_given_create_orders_then_it_takes_the_quotes_id_and_refuses_a_quote_document() -> None:
    created = CreateOrdersOutput(order_ids=["o-1"], amount=2000, currency="USD")
    service = Answers(created)
    checkout.wiring().service = service  # type: ignore[assignment]
    assert create_orders.handler(STEP | {"quote_id": "co-1-fees"}, Context())["order_ids"] == ["o-1"]
    assert service.calls == [("create_orders", ("co-1", "co-1-fees"), {})]
    # a Payload that still carries the document breaks the contract: nothing is called
    with pytest.raises(ValidationError):
        create_orders.handler(STEP | {"quote": {"sellers": []}}, Context())
    assert len(service.calls) == 1
