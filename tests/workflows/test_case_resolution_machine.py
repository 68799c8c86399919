"""statemachines/case_resolution.json itself, its steps faked: every way through it, driven on purpose.

Each step is a test function answering the step's output model (``workflows.cases.contracts``),
so the paths are the machine's own: each wait resumed by a party's action or timed out on the
virtual clock, the refund (and its failure going back to the admins), the close, and every Catch
to Case Failed. Every document the execution passes from state to state is validated against the
contract's model of it (``CaseExecution``). The transitions of each path are counted: Standard
workflows are billed per state transition.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.workflows.runtime_handlers import FakeStepMachine, StepFailed, in_turn, virtual_aws
from workflows.cases.contracts import CONTRACT, CaseChecked, CaseClosed, CaseRefunded, FailureReported
from workflows.cases.errors import CaseRefundRefused
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.workflows.runtime_handlers import Step

ASL = Path(__file__).resolve().parents[2] / "statemachines" / CONTRACT.asl
CASE = "c-1"
KEY = f"case:{CASE}"


def checked(stage: str, wait_s: int = 3600) -> CaseChecked:
    return CaseChecked(stage=stage, wait_s=wait_s)  # type: ignore[arg-type]


REFUNDED = CaseRefunded(refund_id="re_1", amount=2500, currency="USD", reversed=0, debt=0)
END = ["Check Case", "Case Stage?", "Close Case", "Case Closed"]


@pytest.fixture(scope="module")
def machine() -> Iterator[FakeStepMachine]:
    for aws in virtual_aws():
        yield FakeStepMachine(aws, ASL, uuid.uuid4().hex[:8])


def _steps(machine: FakeStepMachine, **overrides: Step) -> dict[str, Step]:
    steps: dict[str, Step] = {
        "CheckCase": in_turn(checked("closed")),
        "WaitForEvent": machine.wait_step,
        "RefundBuyer": in_turn(REFUNDED),
        "ReportRefundFailure": in_turn(FailureReported(status="escalated")),
        "CloseCase": in_turn(CaseClosed(outcome="refunded")),
    }
    return steps | overrides


def _run(machine: FakeStepMachine, **overrides: Step) -> str:
    machine.reset(_steps(machine, **overrides))
    return machine.start(f"case-{uuid.uuid4().hex[:8]}", {"case_id": CASE})


def _ended(machine: FakeStepMachine, arn: str) -> dict[str, Any]:
    result = machine.finish(arn)
    for document in machine.documents(arn):
        CONTRACT.data.model_validate(document)
    return result


def _resume(machine: FakeStepMachine, waits: int, action: str) -> None:
    token = machine.token(KEY, waits=waits)
    event = {"event_id": f"e-{waits}", "event_type": f"case.{action}", "occurred_at": 1_700_000_000}
    machine.aws.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(event))


def _payloads(machine: FakeStepMachine, key: str) -> list[dict[str, Any]]:
    return [event for called, event in machine.calls if called == key]


def transitions(machine: FakeStepMachine, arn: str) -> int:
    """State transitions as Step Functions bills them: each state entered, plus the start."""
    return len(machine.path(arn)) + 1


def test_given_the_seller_refunds_then_the_refund_is_made_and_the_case_closed(
    machine: FakeStepMachine,
) -> None:
    arn = _run(
        machine,
        CheckCase=in_turn(checked("awaiting_seller"), checked("refund_pending"), checked("closed")),
    )
    _resume(machine, 1, "full_refund")
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Check Case",
        "Case Stage?",
        "Wait For Seller",
        "Check Case",
        "Case Stage?",
        "Refund Buyer",
        *END,
    ]
    output = json.loads(result["output"])
    assert output["refund"] == {
        "refund_id": "re_1",
        "amount": 2500,
        "currency": "USD",
        "reversed": 0,
        "debt": 0,
    }
    assert output["closed"] == {"outcome": "refunded"}
    assert output["event"]["event_type"] == "case.full_refund"
    # every step got the case id only, and the wait its correlation id
    assert _payloads(machine, "RefundBuyer") == [{"case_id": CASE}]
    assert [p["correlation_id"] for p in _payloads(machine, "WaitForEvent")] == [KEY]
    assert transitions(machine, arn) == 11


@pytest.mark.parametrize(
    ("stage", "wait"),
    [
        ("awaiting_seller", "Wait For Seller"),
        ("awaiting_buyer", "Wait For Buyer"),
        ("awaiting_return_shipment", "Wait For Return Shipment"),
        ("return_in_transit", "Wait For Return Receipt"),
        ("awaiting_escalation", "Wait For Escalation"),
        ("escalated", "Wait For Admin Decision"),
    ],
)
def test_given_each_waiting_stage_when_its_deadline_passes_then_the_case_is_looked_at_again(
    machine: FakeStepMachine, stage: str, wait: str
) -> None:
    # Given a case waiting in ``stage`` with 90 s left (the wait's timeout is Check Case's wait_s)
    arn = _run(machine, CheckCase=in_turn(checked(stage, 90), checked("closed")))
    machine.token(KEY)
    # When the virtual clock passes the deadline
    machine.aws.clock.advance(91)
    result = _ended(machine, arn)
    # Then the wait timed out into Check Case, which found it closed (e.g. expired)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Check Case", "Case Stage?", wait, *END]
    assert json.loads(result["output"])["timeout"]["Error"] == "States.Timeout"


def test_given_a_return_then_each_wait_in_turn_until_the_receipt_and_the_refund(
    machine: FakeStepMachine,
) -> None:
    arn = _run(
        machine,
        CheckCase=in_turn(
            checked("awaiting_seller"),
            checked("awaiting_return_shipment"),
            checked("return_in_transit", 120),
            checked("refund_pending"),
            checked("closed"),
        ),
    )
    _resume(machine, 1, "accept_return")
    _resume(machine, 2, "return_shipped")
    machine.token(KEY, waits=3)
    machine.aws.clock.advance(121)  # the seller never confirms: receipt assumed at the deadline
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Check Case",
        "Case Stage?",
        "Wait For Seller",
        "Check Case",
        "Case Stage?",
        "Wait For Return Shipment",
        "Check Case",
        "Case Stage?",
        "Wait For Return Receipt",
        "Check Case",
        "Case Stage?",
        "Refund Buyer",
        *END,
    ]


def test_given_a_refund_stripe_refuses_then_the_admins_get_it_back_and_decide_again(
    machine: FakeStepMachine,
) -> None:
    refused = CaseRefundRefused("Stripe answered the case's refund failed")
    arn = _run(
        machine,
        CheckCase=in_turn(checked("refund_pending"), checked("escalated"), checked("closed")),
        RefundBuyer=in_turn(refused),
        CloseCase=in_turn(CaseClosed(outcome="closed_for_seller")),
    )
    _resume(machine, 1, "close_for_seller")
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Check Case",
        "Case Stage?",
        "Refund Buyer",
        "Report Refund Failure",
        "Check Case",
        "Case Stage?",
        "Wait For Admin Decision",
        *END,
    ]
    (reported,) = _payloads(machine, "ReportRefundFailure")
    assert reported["case_id"] == CASE and reported["error"]["Error"] == "CaseRefundRefused"
    assert len(_payloads(machine, "RefundBuyer")) == 1  # a business outcome: never retried


def test_given_a_transient_refund_failure_then_it_is_retried_in_place(machine: FakeStepMachine) -> None:
    flaky = TransientError("Stripe answered 503")
    arn = _run(
        machine,
        CheckCase=in_turn(checked("refund_pending"), checked("closed")),
        RefundBuyer=in_turn(flaky, flaky, REFUNDED),
    )
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Check Case", "Case Stage?", "Refund Buyer", *END]
    assert len(_payloads(machine, "RefundBuyer")) == 3


#: each Task whose failure ends the case FAILED, and how to get there
FAILING: dict[str, tuple[dict[str, Step], bool]] = {
    "Check Case": ({"CheckCase": in_turn(StepFailed("no case"))}, False),
    "Wait For Seller": ({"CheckCase": in_turn(checked("awaiting_seller"))}, True),
    "Wait For Buyer": ({"CheckCase": in_turn(checked("awaiting_buyer"))}, True),
    "Wait For Return Shipment": ({"CheckCase": in_turn(checked("awaiting_return_shipment"))}, True),
    "Wait For Return Receipt": ({"CheckCase": in_turn(checked("return_in_transit"))}, True),
    "Wait For Escalation": ({"CheckCase": in_turn(checked("awaiting_escalation"))}, True),
    "Wait For Admin Decision": ({"CheckCase": in_turn(checked("escalated"))}, True),
    "Report Refund Failure": (
        {
            "CheckCase": in_turn(checked("refund_pending")),
            "RefundBuyer": in_turn(StepFailed("no order")),
            "ReportRefundFailure": in_turn(StepFailed("no case")),
        },
        False,
    ),
    "Close Case": ({"CloseCase": in_turn(StepFailed("no closed case"))}, False),
}


@pytest.mark.parametrize("failing", list(FAILING))
def test_given_a_step_that_fails_after_its_retries_then_the_case_fails(
    machine: FakeStepMachine, failing: str
) -> None:
    overrides, waits = FAILING[failing]
    arn = _run(machine, **overrides)
    if waits:
        token = machine.token(KEY)
        machine.aws.client("stepfunctions").send_task_failure(
            taskToken=token, error="ResumeFailed", cause="the waits table is gone"
        )
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert result["error"] == "CaseFailed"
    path = machine.path(arn)
    assert path[-2:] == [failing, "Case Failed"], path


def test_given_every_task_with_a_catch_to_case_failed_then_each_is_driven_here() -> None:
    asl = json.loads(ASL.read_text())
    failing = {
        name
        for name, state in asl["States"].items()
        if any(c["Next"] == "Case Failed" for c in state.get("Catch", []))
    }
    assert failing == set(FAILING)
    # and Refund Buyer's one Catch leads to the admins, not to a failure
    (catch,) = asl["States"]["Refund Buyer"]["Catch"]
    assert catch["Next"] == "Report Refund Failure"
