"""How a caught error becomes the checkout's ending: Step Functions' ``{Error, Cause}`` is parsed at
the edge (``adapters.aws.stepfunctions.caught_error``), and the domain tells a business refusal
(``cancelled``, the refusal's code and message) from the platform's failure (``failed``,
``CHECKOUT_FAILED``, never the step's own words)."""

from __future__ import annotations

import json

import pytest

from adapters.aws.stepfunctions import caught, caught_error
from workflows.checkout.service import SYSTEM_FAILURE_MESSAGE, ending_of
from workflows.shared.caught import CaughtError, CaughtErrorDoc


def _lambda_cause(error: str, message: str) -> str:
    return json.dumps({"errorType": error, "errorMessage": message, "stackTrace": ["  File secret.py"]})


def test_given_a_lambda_steps_error_then_its_name_and_the_handlers_message_never_the_stack() -> None:
    parsed = caught_error("CartUnavailable", _lambda_cause("CartUnavailable", "listing l1 ended"))
    assert parsed == CaughtError(name="CartUnavailable", message="listing l1 ended")


def test_given_a_nested_execution_that_failed_then_the_childs_step_error_is_read() -> None:
    # startExecution.sync reports States.TaskFailed with the child's description as the Cause
    child = {"Error": "FeeScheduleMissing", "Cause": _lambda_cause("FeeScheduleMissing", "no schedule")}
    cause = json.dumps(
        {"ExecutionArn": "arn:aws:states:::execution:fees:co-1-fees", "Status": "FAILED"} | child
    )
    assert caught_error("States.TaskFailed", cause) == CaughtError("FeeScheduleMissing", "no schedule")


@pytest.mark.parametrize(("cause", "message"), [("the task timed out", "the task timed out"), (None, "")])
def test_given_a_plain_cause_then_it_is_the_message(cause: str | None, message: str) -> None:
    assert caught_error("States.Timeout", cause) == CaughtError("States.Timeout", message)


def test_given_the_contracts_error_document_then_caught_parses_it_and_none_stays_none() -> None:
    doc = CaughtErrorDoc(Error="PriceChanged", Cause=_lambda_cause("PriceChanged", "moved"))
    assert caught(doc) == CaughtError("PriceChanged", "moved")
    assert caught(None) is None


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("CartUnavailable", "CART_NOT_PURCHASABLE"),
        ("PriceChanged", "PRICE_CHANGED"),
        ("QuantityNotAvailable", "QUANTITY_NOT_AVAILABLE"),
        ("CurrencyNotSupported", "CURRENCY_NOT_SUPPORTED"),
        ("ListingNotFound", "LISTING_NOT_FOUND"),
    ],
)
def test_given_a_business_refusal_then_cancelled_with_its_code_and_message(name: str, code: str) -> None:
    status, failure = ending_of(CaughtError(name, "what the buyer reads"))
    assert (status, failure.code, failure.message) == ("cancelled", code, "what the buyer reads")


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("KeyError", None),
        ("States.TaskFailed", None),
        ("Lambda.Unknown", None),
        ("TransientError", None),
        ("FeeScheduleMissing", "FEE_SCHEDULE_MISSING"),
        ("InvalidFeeSchedule", "INVALID_FEE_SCHEDULE"),
    ],
)
def test_given_a_system_failure_then_failed_and_the_buyer_is_told_we_failed(
    name: str, cause: str | None
) -> None:
    status, failure = ending_of(CaughtError(name, "'sellers' (a KeyError's words)"))
    assert status == "failed"
    assert failure.code == "CHECKOUT_FAILED"
    assert failure.message == SYSTEM_FAILURE_MESSAGE
    assert "our side" in failure.message
    assert failure.details == ({"cause": cause} if cause else {})


def test_given_no_error_then_it_is_a_system_failure() -> None:
    assert ending_of(None)[0] == "failed"
