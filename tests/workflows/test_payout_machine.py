"""statemachines/payout.json itself, its steps faked: every way through it, driven on purpose.

Each step is a test function answering the step's output model (``workflows.payouts.contracts``),
so the paths are the machine's own: the waits for shipment and delivery (resumed, failed, timed
out on the virtual clock), the holds and their re-check, a transfer Stripe refuses for now, the
stop, and every Catch to Payout Failed. Every document the execution passes from state to state
is validated against the contract's model of it (``PayoutExecution``).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.workflows.runtime_handlers import FakeStepMachine, StepFailed, in_turn, virtual_aws
from workflows.payouts.contracts import (
    CONTRACT,
    DeliveryConfirmed,
    PayoutChecked,
    PayoutStopped,
    Transferred,
)
from workflows.payouts.errors import PayoutNotPayable
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.workflows.runtime_handlers import Step

ASL = Path(__file__).resolve().parents[2] / "statemachines" / CONTRACT.asl
ORDER = "o-1"
AWAITING = PayoutChecked(next="await_shipment", status="paid", hold_served=False)
SHIPPED = PayoutChecked(next="await_delivery", status="shipped", auto_confirm_in_s=120, hold_served=False)
TRANSFER = PayoutChecked(next="transfer", status="delivered", hold_served=False)
CANCELLED = PayoutChecked(next="stop", status="cancelled", hold_served=False)
NEW_SELLER = PayoutChecked(
    next="hold", status="delivered", reason="new_seller", wait_s=7 * 86_400, hold_served=True
)
TRANSFERRED = Transferred(transfer_id="tr_1", amount=837, currency="USD", created=True)
PAID_OUT = ["Check Payout", "Next Step?", "Transfer To Seller"]
SHIPMENT = {"event_id": "e-1", "event_type": "order.shipped", "occurred_at": 1_700_000_000}


@pytest.fixture(scope="module")
def machine() -> Iterator[FakeStepMachine]:
    for aws in virtual_aws():
        yield FakeStepMachine(aws, ASL, uuid.uuid4().hex[:8])


def _steps(machine: FakeStepMachine, **overrides: Step) -> dict[str, Step]:
    """The happy path's steps (a delivered order, no hold), with ``overrides``."""
    steps: dict[str, Step] = {
        "CheckPayout": in_turn(TRANSFER),
        "WaitForEvent": machine.wait_step,
        "AutoConfirmDelivery": in_turn(DeliveryConfirmed(order_id=ORDER, status="delivered", confirmed=True)),
        "TransferToSeller": in_turn(TRANSFERRED),
        "StopPayout": in_turn(PayoutStopped(status="stopped")),
    }
    return steps | overrides


def _run(machine: FakeStepMachine, *, shipped: bool = True, **overrides: Step) -> str:
    """Start a payout; unless told otherwise, the shipment event resumes its first wait."""
    machine.reset(_steps(machine, **overrides))
    arn = machine.start(
        f"payout-{uuid.uuid4().hex[:8]}", {"order_id": ORDER, "check": {"hold_served": False}}
    )
    if shipped:
        token = machine.token(f"shipment:{ORDER}")
        machine.aws.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(SHIPMENT))
    return arn


def _ended(machine: FakeStepMachine, arn: str) -> dict[str, Any]:
    result = machine.finish(arn)
    for document in machine.documents(arn):
        CONTRACT.data.model_validate(document)
    return result


def _payloads(machine: FakeStepMachine, key: str) -> list[dict[str, Any]]:
    return [event for called, event in machine.calls if called == key]


def test_given_a_delivered_order_without_holds_then_it_is_paid_out(machine: FakeStepMachine) -> None:
    arn = _run(machine)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Wait For Shipment", *PAID_OUT]
    output = json.loads(result["output"])
    assert output["transfer"] == {"transfer_id": "tr_1", "amount": 837, "currency": "USD"}
    # every step got the order id, Check Payout also whether the new seller's hold was served
    assert _payloads(machine, "TransferToSeller") == [{"order_id": ORDER}]
    assert _payloads(machine, "CheckPayout") == [{"order_id": ORDER, "hold_served": False}]


def test_given_an_order_to_ship_then_it_waits_for_shipment_and_delivery_and_auto_confirms(
    machine: FakeStepMachine,
) -> None:
    # Given a paid order (it waits for the shipment first)
    arn = _run(machine, shipped=False, CheckPayout=in_turn(SHIPPED, TRANSFER))
    # When the shipment event resumes that wait, with two minutes left of the auto-confirm window
    sfn = machine.aws.client("stepfunctions")
    token = machine.token(f"shipment:{ORDER}")
    sfn.send_task_success(taskToken=token, output=json.dumps(SHIPMENT))
    # and the delivery wait times out at the end of the window (the virtual clock moves)
    machine.token(f"delivery:{ORDER}")
    machine.aws.clock.advance(120)
    result = _ended(machine, arn)
    # Then the delivery was auto-confirmed, and the payout went ahead
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Wait For Shipment",
        "Check Payout",
        "Next Step?",
        "Wait For Delivery",
        "Auto Confirm Delivery",
        *PAID_OUT,
    ]
    output = json.loads(result["output"])
    assert output["event"] == SHIPMENT and output["timeout"]["Error"] == "States.Timeout"
    assert output["auto_confirm"] == {"confirmed": True}


def test_given_no_shipment_for_the_whole_wait_then_the_order_is_looked_at_again(
    machine: FakeStepMachine,
) -> None:
    arn = _run(machine, shipped=False, CheckPayout=in_turn(AWAITING, CANCELLED))
    machine.token(f"shipment:{ORDER}")
    machine.aws.clock.advance(30 * 86_400)
    machine.token(f"shipment:{ORDER}", waits=2)  # still not shipped: it waits again
    machine.aws.clock.advance(30 * 86_400)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Wait For Shipment",
        "Check Payout",
        "Next Step?",
        "Wait For Shipment",
        "Check Payout",
        "Next Step?",
        "Stop Payout",
    ]


def test_given_a_new_seller_then_the_payout_is_held_and_the_holds_looked_at_again(
    machine: FakeStepMachine,
) -> None:
    arn = _run(machine, CheckPayout=in_turn(NEW_SELLER, TRANSFER.model_copy(update={"hold_served": True})))
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Wait For Shipment", "Check Payout", "Next Step?", "Hold Payout", *PAID_OUT]
    # the second round knows the new seller's hold was waited out
    assert [p["hold_served"] for p in _payloads(machine, "CheckPayout")] == [False, True]


def test_given_a_transfer_stripe_refuses_for_now_then_it_is_tried_again_later(
    machine: FakeStepMachine,
) -> None:
    refused = PayoutNotPayable("seller acct_1 cannot receive transfers yet")
    arn = _run(machine, TransferToSeller=in_turn(refused, TRANSFERRED))
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Wait For Shipment", *PAID_OUT, "Retry Transfer Later", *PAID_OUT]
    assert json.loads(result["output"])["error"]["Error"] == "PayoutNotPayable"


def test_given_a_transient_transfer_failure_then_it_is_retried_in_place(machine: FakeStepMachine) -> None:
    flaky = TransientError("Stripe answered 503")
    arn = _run(machine, TransferToSeller=in_turn(flaky, flaky, TRANSFERRED))
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Wait For Shipment", *PAID_OUT]
    assert len(_payloads(machine, "TransferToSeller")) == 3


@pytest.mark.parametrize(
    "checked",
    [CANCELLED, PayoutChecked(next="stop", status="delivered", reason="order_refunded", hold_served=False)],
    ids=["cancelled before delivery", "stopped by the holds"],
)
def test_given_an_order_that_will_not_be_paid_then_the_payout_stops(
    machine: FakeStepMachine, checked: PayoutChecked
) -> None:
    arn = _run(machine, CheckPayout=in_turn(checked))
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Wait For Shipment", "Check Payout", "Next Step?", "Stop Payout"]
    assert _payloads(machine, "StopPayout") == [{"order_id": ORDER, "reason": "order_not_payable"}]
    assert json.loads(result["output"])["stopped"] == {"status": "stopped"}


#: each Task whose failure ends the payout FAILED, and how to get there
FAILING: dict[str, tuple[dict[str, Step], str | None]] = {
    "Check Payout": ({"CheckPayout": in_turn(StepFailed("no order"))}, None),
    "Wait For Shipment": ({}, "shipment"),
    "Wait For Delivery": ({"CheckPayout": in_turn(SHIPPED)}, "delivery"),
    "Auto Confirm Delivery": (
        {"CheckPayout": in_turn(SHIPPED), "AutoConfirmDelivery": in_turn(StepFailed("no order"))},
        "delivery-timeout",
    ),
    "Transfer To Seller": ({"TransferToSeller": in_turn(TransientError("Stripe answered 503"))}, None),
    "Stop Payout": (
        {"CheckPayout": in_turn(CANCELLED), "StopPayout": in_turn(StepFailed("no payout"))},
        None,
    ),
}


@pytest.mark.parametrize("failing", list(FAILING))
def test_given_a_step_that_fails_after_its_retries_then_the_payout_fails(
    machine: FakeStepMachine, failing: str
) -> None:
    overrides, wait = FAILING[failing]
    arn = _run(machine, shipped=wait != "shipment", **overrides)
    sfn = machine.aws.client("stepfunctions")
    if wait in ("shipment", "delivery"):
        token = machine.token(f"{wait}:{ORDER}")
        sfn.send_task_failure(taskToken=token, error="ResumeFailed", cause="the waits table is gone")
    elif wait == "delivery-timeout":
        machine.token(f"delivery:{ORDER}")
        machine.aws.clock.advance(SHIPPED.auto_confirm_in_s)
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert result["error"] == "PayoutFailed"
    path = machine.path(arn)
    assert path[-2:] == [failing, "Payout Failed"], path
    if failing == "Transfer To Seller":  # a transient error: retried (4 times) before it is caught
        assert len(_payloads(machine, "TransferToSeller")) == 5


def test_given_every_task_with_a_catch_to_payout_failed_then_each_is_driven_here() -> None:
    asl = json.loads(ASL.read_text())
    failing = {
        name
        for name, state in asl["States"].items()
        if any(c["Next"] == "Payout Failed" for c in state.get("Catch", []))
    }
    assert failing == set(FAILING)
