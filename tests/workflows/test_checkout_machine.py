"""statemachines/checkout.json itself (with the real checkout_preparation.json nested, which runs
the real fee_calculation.json), executed with fake steps so that every path is driven on purpose:
the sale, every Catch, a step of the preparation failing (each of them), a fee rejection, a
declined card, the expiry (on the virtual clock, no sleeping), a cancellation, a payment that
succeeds while the checkout is abandoned, and the failures after that, which end (the old loop
Abandon Checkout → Mark Paid → Refuse Checkout → Abandon Checkout is impossible).

Each test asserts the states entered (the execution's history, and the preparation's) and how it
ended; the document a finished execution carries is checked against the contract's model of it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from adapters.aws.stepfunctions import caught
from tests.workflows.fake_steps import Machines, Scripts, fails_with, machines, raises
from workflows.catalog.errors import CurrencyNotSupported
from workflows.checkout.contracts import AbandonInput, CheckoutData
from workflows.checkout.errors import CartUnavailable, PaymentAlreadySucceeded, PaymentNotSucceeded
from workflows.checkout.service import ending_of
from workflows.fees.contracts import FeeCalculationOutput
from workflows.fees.errors import FeeScheduleMissing
from workflows.fees.service import LineDoc, QuoteView, SellerQuoteView
from workflows.shared.waits import WaitStarted

if TYPE_CHECKING:
    from collections.abc import Iterator

    from workflows.fees.contracts import CalculateFeesInput
    from workflows.shared.waits import WaitForEvent

SELLER = "seller-1"
MONEY = {"amount": 2000, "currency": "USD"}
ZERO = {"amount": 0, "currency": "USD"}

#: the preparation's states when it succeeds (one Express execution: one Standard transition)
PREPARATION = [
    "Validate Cart",
    "Reserve Items",
    "Fee Request",
    "Calculate Fees",
    "Fees Calculated?",
    "Read Quote",
    "Fees Rejected?",
    "Create Orders",
    "Request Payment",
]
PREPARED = ["Prepare Checkout", "Wait For Payment", "Payment Outcome"]
ABANDONED = ["Abandon Checkout", "Why Ended?"]


def _quote(step: CalculateFeesInput) -> FeeCalculationOutput:
    seller = SellerQuoteView.model_validate(
        {
            "seller_id": SELLER,
            "items_total": MONEY,
            "shipping_total": ZERO,
            "fees": {"category_percentage": {"amount": 200, "currency": "USD"}, "fixed": ZERO, "ad": ZERO},
            "fee_total": {"amount": 200, "currency": "USD"},
            "seller_net": {"amount": 1800, "currency": "USD"},
            "schedule_version": 1,
        }
    )
    quote = QuoteView(sellers=[seller], currency="USD", quoted_at=step.at)
    return FeeCalculationOutput.quoted(quote, step.execution if step.held_by else None)


def _abandon(step: AbandonInput) -> dict[str, Any]:
    """As the real step decides it: a caught error through the edge parser and the domain."""
    if step.outcome == "refused":
        status, failure = ending_of(caught(step.error))
        return {"status": status, "code": failure.code}
    codes = {
        "payment_failed": "PAYMENT_FAILED",
        "expired": "CHECKOUT_EXPIRED",
        "cancelled": "CHECKOUT_CANCELLED",
    }
    return {"status": step.outcome, "code": codes[step.outcome]}


def _defaults(scripts: Scripts) -> dict[str, Any]:
    def wait(step: WaitForEvent) -> WaitStarted:
        scripts.tokens[step.correlation_id.split(":", 1)[1].removeprefix("pi_")] = step.task_token
        return WaitStarted(outcome="parked")

    line = LineDoc(
        listing_id="l1",
        seller_id=SELLER,
        quantity=1,
        currency="USD",
        unit_price_minor=2000,
        shipping_minor=0,
        category_path=["misc"],
    )
    return {
        "ValidateCartFunctionArn": lambda step: {
            "items": [{"listing_id": "l1", "quantity": 1}],
            "expires_in_seconds": 1800,
        },
        "ReserveItemsFunctionArn": lambda step: {"held": 1},
        "LoadOrderLinesFunctionArn": lambda step: {"lines": [line.model_dump(mode="json")]},
        "CalculateFeesFunctionArn": _quote,
        "CreateOrdersFunctionArn": lambda step: {
            "order_ids": [f"ord-{step.checkout_id}"],
            "amount": 2000,
            "currency": "USD",
        },
        "RequestPaymentFunctionArn": lambda step: {"payment_intent_id": f"pi_{step.checkout_id}"},
        "WaitForEventFunctionArn": wait,
        "MarkPaidFunctionArn": lambda step: {
            "order_ids": [f"ord-{step.checkout_id}"],
            "charge_id": "ch_1",
            "currency": "USD",
            "paid_now": 1,
        },
        "CompleteSaleFunctionArn": lambda step: {"sold_out": []},
        "AbandonCheckoutFunctionArn": _abandon,
        "RefundCheckoutFunctionArn": lambda step: {
            "status": "failed",
            "refunded": True,
            "refund_id": "re_1",
            "currency": "USD",
        },
    }


@pytest.fixture(scope="module")
def runtime() -> Iterator[Machines]:
    scripts = Scripts()
    scripts.defaults = _defaults(scripts)
    yield from machines(scripts)


@pytest.fixture
def checkout_id() -> str:
    return f"co-{uuid.uuid4().hex[:12]}"


def _ended(runtime: Machines, checkout_id: str) -> dict[str, Any]:
    """What Abandon Checkout answered (the status the checkout ended in and its code)."""
    (abandoned,) = runtime.scripts.called(checkout_id, "AbandonCheckoutFunctionArn")
    return _abandon(AbandonInput.model_validate(abandoned))


def _run(
    runtime: Machines, checkout_id: str, event_type: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    arn = runtime.start(checkout_id)
    if event_type is not None:
        runtime.pay(checkout_id, event_type)
    result = runtime.wait(arn)
    return result, runtime.states(arn)


def _document(result: dict[str, Any]) -> CheckoutData:
    """A SUCCEEDED execution's output: the document, as the contract models it."""
    return CheckoutData.model_validate(json.loads(result["output"]))


# -- the sale


def test_given_a_cart_that_is_paid_then_the_sale_completes_passing_only_ids(
    runtime: Machines, checkout_id: str
) -> None:
    result, states = _run(runtime, checkout_id, "payment_intent.succeeded")
    assert result["status"] == "SUCCEEDED", result
    assert states == [*PREPARED, "Mark Paid", "Complete Sale"]
    assert runtime.prepared(checkout_id) == PREPARATION
    document = _document(result)
    # the nested fee calculation kept the quote: only its id travelled on, to Create Orders
    assert document.fees is not None and document.fees.model_dump() == {
        "outcome": "quoted",
        "quote_id": f"{checkout_id}-fees",
        "error": None,
    }
    # every step of the preparation is told the checkout execution's name (it holds the items)
    (create,) = runtime.scripts.called(checkout_id, "CreateOrdersFunctionArn")
    assert create == {"checkout_id": checkout_id, "execution": checkout_id, "quote_id": f"{checkout_id}-fees"}
    for function in ("ValidateCartFunctionArn", "ReserveItemsFunctionArn", "RequestPaymentFunctionArn"):
        assert runtime.scripts.called(checkout_id, function) == [
            {"checkout_id": checkout_id, "execution": checkout_id}
        ]
    (calculate,) = runtime.scripts.called(checkout_id, "CalculateFeesFunctionArn")
    assert calculate["held_by"] == checkout_id and calculate["execution"] == f"{checkout_id}-fees"
    assert document.paid is not None and document.paid.charge_id == "ch_1"
    assert document.ended is None and document.error is None


def test_given_the_preparation_ran_as_a_sync_child_then_the_interpreter_holds_no_index_of_it(
    runtime: Machines, checkout_id: str
) -> None:
    # the local interpreter indexes the children its tasks start while they run (their .sync
    # parents wait on them); an ended child is left to moto, so the index never grows
    result, _ = _run(runtime, checkout_id, "payment_intent.succeeded")
    assert result["status"] == "SUCCEEDED", result
    interpreter = runtime.aws._interpreter
    assert interpreter is not None
    assert not [arn for arn in interpreter.children if checkout_id in arn]


# -- a step's error: a business refusal ends cancelled (SUCCEEDED), a system failure failed (FAILED)


FEES_FAILED = [*PREPARATION[:5], "Fees Not Calculated"]


@pytest.mark.parametrize(
    ("function", "behaviour", "prepared", "status", "code"),
    [
        (
            "ValidateCartFunctionArn",
            raises(CartUnavailable("listing l1 ended")),
            PREPARATION[:1],
            "cancelled",
            "CART_NOT_PURCHASABLE",
        ),
        ("ValidateCartFunctionArn", fails_with("KeyError"), PREPARATION[:1], "failed", "CHECKOUT_FAILED"),
        ("ReserveItemsFunctionArn", fails_with("KeyError"), PREPARATION[:2], "failed", "CHECKOUT_FAILED"),
        (
            "CalculateFeesFunctionArn",
            raises(FeeScheduleMissing("no schedule")),
            FEES_FAILED,
            "failed",
            "CHECKOUT_FAILED",
        ),
        ("CreateOrdersFunctionArn", fails_with("KeyError"), PREPARATION[:8], "failed", "CHECKOUT_FAILED"),
        ("RequestPaymentFunctionArn", fails_with("StripeError"), PREPARATION, "failed", "CHECKOUT_FAILED"),
    ],
)
def test_given_a_step_of_the_preparation_that_fails_then_refused_abandoned_and_ended_by_who_failed(
    runtime: Machines,
    checkout_id: str,
    function: str,
    behaviour: Any,
    prepared: list[str],
    status: str,
    code: str,
) -> None:
    runtime.scripts.script(checkout_id, function, behaviour)
    result, states = _run(runtime, checkout_id)
    # the preparation failed on that step with its error (the checkout caught it and compensated)
    assert runtime.prepared(checkout_id) == prepared
    assert runtime.preparation(checkout_id)["status"] == "FAILED"
    assert states == [
        "Prepare Checkout",
        "Refuse Checkout",
        *ABANDONED,
        "Checkout Ended" if status == "cancelled" else "Checkout Failed",
    ]
    assert _ended(runtime, checkout_id) == {"status": status, "code": code}
    if status == "cancelled":
        assert result["status"] == "SUCCEEDED", result
        assert _document(result).ended is not None
    else:
        assert (result["status"], result.get("error")) == ("FAILED", "CheckoutFailed"), result


def test_given_the_payment_wait_fails_then_refused_abandoned_and_the_execution_fails(
    runtime: Machines, checkout_id: str
) -> None:
    runtime.scripts.script(checkout_id, "WaitForEventFunctionArn", fails_with("KeyError"))
    result, states = _run(runtime, checkout_id)
    assert states == [*PREPARED[:2], "Refuse Checkout", *ABANDONED, "Checkout Failed"]
    assert _ended(runtime, checkout_id) == {"status": "failed", "code": "CHECKOUT_FAILED"}
    assert (result["status"], result.get("error")) == ("FAILED", "CheckoutFailed"), result


def test_given_the_fee_calculation_refuses_the_items_then_the_checkout_is_cancelled_with_its_code(
    runtime: Machines, checkout_id: str
) -> None:
    runtime.scripts.script(
        checkout_id, "LoadOrderLinesFunctionArn", raises(CurrencyNotSupported("no fees for JPY"))
    )
    result, states = _run(runtime, checkout_id)
    assert result["status"] == "SUCCEEDED", result
    assert runtime.prepared(checkout_id) == [*PREPARATION[:7], "Fees Rejected"]
    assert states == ["Prepare Checkout", "Refuse Checkout", *ABANDONED, "Checkout Ended"]
    document = _document(result)
    # the preparation failed with the rejection's name and message; the checkout reads through
    assert document.error is not None and document.error.Error == "States.TaskFailed"
    rejection = caught(document.error)
    assert rejection is not None and (rejection.name, rejection.message) == (
        "CurrencyNotSupported",
        "no fees for JPY",
    )
    assert document.ended is not None
    assert document.ended.model_dump() == {"status": "cancelled", "code": "CURRENCY_NOT_SUPPORTED"}
    assert runtime.scripts.called(checkout_id, "CalculateFeesFunctionArn") == []


# -- Stripe's outcomes and the clock's


@pytest.mark.parametrize(
    ("event_type", "via", "status"),
    [
        ("payment_intent.payment_failed", "Payment Failed", "payment_failed"),
        ("payment_intent.canceled", "Cancelled", "cancelled"),
    ],
)
def test_given_stripe_says_the_payment_did_not_happen_then_abandoned_and_the_execution_succeeds(
    runtime: Machines, checkout_id: str, event_type: str, via: str, status: str
) -> None:
    result, states = _run(runtime, checkout_id, event_type)
    assert result["status"] == "SUCCEEDED", result
    assert states == [*PREPARED, via, *ABANDONED, "Checkout Ended"]
    document = _document(result)
    assert document.ending is not None and document.ending.outcome == status
    assert document.ended is not None and document.ended.status == status
    assert runtime.scripts.called(checkout_id, "MarkPaidFunctionArn") == []


def test_given_no_payment_before_the_expiry_then_expired_on_the_virtual_clock(
    runtime: Machines, checkout_id: str
) -> None:
    runtime.scripts.script(
        checkout_id,
        "ValidateCartFunctionArn",
        lambda step: {"items": [{"listing_id": "l1", "quantity": 1}], "expires_in_seconds": 90},
    )
    arn = runtime.start(checkout_id)
    runtime.parked(checkout_id)
    started = datetime.now().timestamp()
    # When the checkout's 90 s pass (on the clock: nothing sleeps)
    runtime.clock.advance(91)
    result = runtime.wait(arn)
    assert datetime.now().timestamp() - started < 20
    assert result["status"] == "SUCCEEDED", result
    assert runtime.states(arn) == [*PREPARED[:2], "Expired", *ABANDONED, "Checkout Ended"]
    document = _document(result)
    assert document.error is not None and document.error.Error == "States.Timeout"
    assert document.ended is not None and document.ended.status == "expired"


# -- paid while being abandoned, and the failures after it: every path ends


def test_given_a_payment_that_succeeded_while_cancelling_then_marked_paid_late_and_the_sale_completes(
    runtime: Machines, checkout_id: str
) -> None:
    runtime.scripts.script(
        checkout_id, "AbandonCheckoutFunctionArn", raises(PaymentAlreadySucceeded("pi succeeded"))
    )
    result, states = _run(runtime, checkout_id, "payment_intent.canceled")
    assert result["status"] == "SUCCEEDED", result
    assert states == [*PREPARED, "Cancelled", "Abandon Checkout", "Mark Late Payment", "Complete Sale"]


def test_given_mark_late_payment_fails_then_the_payment_is_refunded_and_it_ends(
    runtime: Machines, checkout_id: str
) -> None:
    runtime.scripts.script(
        checkout_id, "AbandonCheckoutFunctionArn", raises(PaymentAlreadySucceeded("pi succeeded"))
    )
    runtime.scripts.script(checkout_id, "MarkPaidFunctionArn", fails_with("KeyError"))
    result, states = _run(runtime, checkout_id, "payment_intent.canceled")
    assert (result["status"], result.get("error")) == ("FAILED", "PaymentNotRecorded"), result
    assert states == [
        *PREPARED,
        "Cancelled",
        "Abandon Checkout",
        "Mark Late Payment",
        "Refund Checkout",
        "Payment Not Recorded",
    ]
    (refund,) = runtime.scripts.called(checkout_id, "RefundCheckoutFunctionArn")
    assert refund["error"]["Error"] == "KeyError"


def test_given_stripe_does_not_confirm_a_payment_found_succeeded_then_refunded_never_abandoned_twice(
    runtime: Machines, checkout_id: str
) -> None:
    # Given Mark Paid cannot confirm the payment (so the checkout is refused), Abandon finds it
    # succeeded after all, and Mark Late Payment cannot confirm it either: the old loop
    not_confirmed = raises(PaymentNotSucceeded("PaymentIntent is processing"))
    runtime.scripts.script(checkout_id, "MarkPaidFunctionArn", not_confirmed, not_confirmed)
    runtime.scripts.script(
        checkout_id, "AbandonCheckoutFunctionArn", raises(PaymentAlreadySucceeded("pi succeeded"))
    )
    result, states = _run(runtime, checkout_id, "payment_intent.succeeded")
    # Then it is refunded and ends: Abandon Checkout ran once
    assert (result["status"], result.get("error")) == ("FAILED", "PaymentNotRecorded"), result
    assert states == [
        *PREPARED,
        "Mark Paid",
        "Refuse Checkout",
        "Abandon Checkout",
        "Mark Late Payment",
        "Refund Checkout",
        "Payment Not Recorded",
    ]
    assert len(runtime.scripts.called(checkout_id, "AbandonCheckoutFunctionArn")) == 1


def test_given_mark_paid_fails_for_good_then_the_payment_is_refunded(
    runtime: Machines, checkout_id: str
) -> None:
    runtime.scripts.script(checkout_id, "MarkPaidFunctionArn", fails_with("OperationalError"))
    result, states = _run(runtime, checkout_id, "payment_intent.succeeded")
    assert (result["status"], result.get("error")) == ("FAILED", "PaymentNotRecorded"), result
    assert states == [*PREPARED, "Mark Paid", "Refund Checkout", "Payment Not Recorded"]


def test_given_complete_sale_fails_then_the_paid_sale_is_not_undone_and_the_execution_fails(
    runtime: Machines, checkout_id: str
) -> None:
    runtime.scripts.script(checkout_id, "CompleteSaleFunctionArn", fails_with("KeyError"))
    result, states = _run(runtime, checkout_id, "payment_intent.succeeded")
    assert (result["status"], result.get("error")) == ("FAILED", "SaleNotCompleted"), result
    assert states == [*PREPARED, "Mark Paid", "Complete Sale", "Sale Not Completed"]
    assert runtime.scripts.called(checkout_id, "AbandonCheckoutFunctionArn") == []


# -- the compensations' own failures


def test_given_abandon_checkout_fails_then_compensation_failed(runtime: Machines, checkout_id: str) -> None:
    runtime.scripts.script(checkout_id, "AbandonCheckoutFunctionArn", fails_with("KeyError"))
    result, states = _run(runtime, checkout_id, "payment_intent.canceled")
    assert (result["status"], result.get("error")) == ("FAILED", "CompensationFailed"), result
    assert states == [*PREPARED, "Cancelled", "Abandon Checkout", "Compensation Failed"]


def test_given_refund_checkout_fails_then_compensation_failed(runtime: Machines, checkout_id: str) -> None:
    runtime.scripts.script(checkout_id, "MarkPaidFunctionArn", fails_with("KeyError"))
    runtime.scripts.script(checkout_id, "RefundCheckoutFunctionArn", fails_with("StripeError"))
    result, states = _run(runtime, checkout_id, "payment_intent.succeeded")
    assert (result["status"], result.get("error")) == ("FAILED", "CompensationFailed"), result
    assert states == [*PREPARED, "Mark Paid", "Refund Checkout", "Compensation Failed"]


def test_given_the_nested_fee_calculation_fails_then_abandon_reads_the_childs_step_error(
    runtime: Machines, checkout_id: str
) -> None:
    runtime.scripts.script(checkout_id, "CalculateFeesFunctionArn", raises(FeeScheduleMissing("no schedule")))
    result, _ = _run(runtime, checkout_id)
    assert result["status"] == "FAILED"
    (abandoned,) = runtime.scripts.called(checkout_id, "AbandonCheckoutFunctionArn")
    error = caught(AbandonInput.model_validate(abandoned).error)
    # the parent caught States.TaskFailed with the child's description; the edge reads through it
    assert error is not None and (error.name, error.message) == ("FeeScheduleMissing", "no schedule")
    status, failure = ending_of(error)
    assert (status, failure.code, failure.details) == (
        "failed",
        "CHECKOUT_FAILED",
        {"cause": "FEE_SCHEDULE_MISSING"},
    )
