"""statemachines/auction.json itself, its steps faked: every way through it, driven on purpose.

Each step is a test function answering the step's output model (``workflows.auctions.contracts``):
the end's wait timing out on the virtual clock or resumed early (Buy It Now), each way an auction
closes, the winner's payment (paid, told early; or not by the deadline), the seller's choice (a
second chance, a relist, nothing), the second-chance buyer's payment, and every Catch to Auction
Failed. Every document the execution passes from state to state is validated against the
contract's model of it (``AuctionExecution``).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.workflows.runtime_handlers import FakeStepMachine, StepFailed, in_turn, virtual_aws
from workflows.auctions.contracts import (
    CONTRACT,
    AuctionClosedStep,
    AuctionOpened,
    CheckoutStarted,
    PaymentChecked,
    SellerChoiceSettled,
)
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.workflows.runtime_handlers import Step

ASL = Path(__file__).resolve().parents[2] / "statemachines" / CONTRACT.asl
LISTING = "l-1"
ENDS_IN = 7 * 86_400
SOLD = AuctionClosedStep(outcome="sold", winner_id="u-win", final_price=4_100, currency="USD")
BOUGHT = AuctionClosedStep(outcome="bought_now", winner_id="u-bin", final_price=9_000, currency="USD")
NO_BIDS = AuctionClosedStep(outcome="no_bids", winner_id=None, final_price=None, currency="USD")
STARTED = CheckoutStarted(checkout_id="co-1", wait_s=4 * 86_400 + 600)
PAID = PaymentChecked(paid=True, choice_window_s=0)
UNPAID = PaymentChecked(paid=False, choice_window_s=7 * 86_400)
UNPAID_NOBODY_NEXT = PaymentChecked(paid=False, choice_window_s=0)
START = ["Open Auction", "Wait For End", "Close Auction", "Sold?"]
TO_PAYMENT = [
    *START,
    "Start Winner Checkout",
    "Wait For Winner Payment",
    "Check Winner Payment",
    "Winner Paid?",
]


@pytest.fixture(scope="module")
def machine() -> Iterator[FakeStepMachine]:
    for aws in virtual_aws():
        yield FakeStepMachine(aws, ASL, uuid.uuid4().hex[:8])


def _steps(machine: FakeStepMachine, **overrides: Step) -> dict[str, Step]:
    steps: dict[str, Step] = {
        "OpenAuction": in_turn(AuctionOpened(ends_in_s=ENDS_IN, status="open")),
        "WaitForEvent": machine.wait_step,
        "CloseAuction": in_turn(SOLD),
        "StartCheckout": in_turn(STARTED),
        "CheckPayment": in_turn(PAID),
        "SettleSellerChoice": in_turn(SellerChoiceSettled(choice="none")),
    }
    return steps | overrides


def _run(machine: FakeStepMachine, **overrides: Step) -> str:
    machine.reset(_steps(machine, **overrides))
    return machine.start(f"{LISTING}-{uuid.uuid4().hex[:8]}", {"listing_id": LISTING})


def _ended(machine: FakeStepMachine, arn: str) -> dict[str, Any]:
    result = machine.finish(arn)
    for document in machine.documents(arn):
        CONTRACT.data.model_validate(document)
    return result


def _payloads(machine: FakeStepMachine, key: str) -> list[dict[str, Any]]:
    return [event for called, event in machine.calls if called == key]


def _time_out(machine: FakeStepMachine, wait: str, seconds: int) -> None:
    machine.token(f"{wait}:{LISTING}")
    machine.aws.clock.advance(seconds)


def _resume(machine: FakeStepMachine, wait: str, event_type: str) -> dict[str, Any]:
    token = machine.token(f"{wait}:{LISTING}")
    event = {"event_id": f"e-{uuid.uuid4().hex[:6]}", "event_type": event_type, "occurred_at": 1_700_000_000}
    machine.aws.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(event))
    return event


def test_given_an_auction_that_ends_and_sells_then_the_winner_pays_and_it_is_sold(
    machine: FakeStepMachine,
) -> None:
    arn = _run(machine)
    # the end's wait times out at ends_at on the virtual clock
    _time_out(machine, "auction_end", ENDS_IN)
    # the winner's checkout is paid before the deadline: the payment wait is told
    paid = _resume(machine, "auction_checkout", "checkout.paid")
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [*TO_PAYMENT, "Sold"]
    output = json.loads(result["output"])
    assert output["timeout"]["Error"] == "States.Timeout"
    assert output["closed"] == SOLD.model_dump(mode="json")
    assert output["checkout"] == {"checkout_id": "co-1", "wait_s": STARTED.wait_s}
    assert output["payment_event"] == paid
    assert _payloads(machine, "StartCheckout") == [{"listing_id": LISTING, "buyer": "winner"}]
    assert _payloads(machine, "CloseAuction") == [{"listing_id": LISTING}]


def test_given_buy_it_now_then_the_end_wait_is_resumed_early_and_the_buyer_checks_out(
    machine: FakeStepMachine,
) -> None:
    arn = _run(machine, CloseAuction=in_turn(BOUGHT))
    _resume(machine, "auction_end", "auction.bought_now")
    _time_out(machine, "auction_checkout", STARTED.wait_s)  # told nothing: looked at at the deadline
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [*TO_PAYMENT, "Sold"]
    assert json.loads(result["output"])["ended"]["event_type"] == "auction.bought_now"


@pytest.mark.parametrize(
    "closed",
    [
        NO_BIDS,
        AuctionClosedStep(outcome="reserve_not_met", winner_id=None, final_price=None, currency="USD"),
        AuctionClosedStep(outcome="ended_early", winner_id=None, final_price=None, currency="USD"),
    ],
    ids=lambda c: c.outcome,
)
def test_given_an_auction_that_does_not_sell_then_it_ends_not_sold(
    machine: FakeStepMachine, closed: AuctionClosedStep
) -> None:
    arn = _run(machine, CloseAuction=in_turn(closed))
    _time_out(machine, "auction_end", ENDS_IN)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [*START, "Not Sold"]
    assert _payloads(machine, "StartCheckout") == []


def test_given_a_winner_who_does_not_pay_then_the_seller_sends_a_second_chance_that_is_paid(
    machine: FakeStepMachine,
) -> None:
    second = CheckoutStarted(checkout_id="co-2", wait_s=STARTED.wait_s)
    arn = _run(
        machine,
        StartCheckout=in_turn(STARTED, second),
        CheckPayment=in_turn(UNPAID, PAID),
        SettleSellerChoice=in_turn(SellerChoiceSettled(choice="second_chance")),
    )
    _time_out(machine, "auction_end", ENDS_IN)
    _time_out(machine, "auction_checkout", STARTED.wait_s)
    _resume(machine, "auction_seller", "auction.second_chance")
    _time_out(machine, "auction_second_chance", second.wait_s)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        *TO_PAYMENT,
        "Wait For Seller Choice",
        "Settle Seller Choice",
        "Seller Chose?",
        "Start Second Chance Checkout",
        "Wait For Second Chance Payment",
        "Check Second Chance Payment",
        "Second Chance Paid?",
        "Sold",
    ]
    buyers = [p["buyer"] for p in _payloads(machine, "StartCheckout")]
    assert buyers == ["winner", "second_chance"]
    assert [p["buyer"] for p in _payloads(machine, "CheckPayment")] == ["winner", "second_chance"]
    assert json.loads(result["output"])["second_checkout"]["checkout_id"] == "co-2"


@pytest.mark.parametrize(
    ("choice", "resumed", "second_paid", "ending"),
    [
        ("relisted", True, None, ["Relisted"]),
        ("none", False, None, ["Not Sold"]),
        (
            "second_chance",
            True,
            False,
            [
                "Start Second Chance Checkout",
                "Wait For Second Chance Payment",
                "Check Second Chance Payment",
                "Second Chance Paid?",
                "Not Sold",
            ],
        ),
    ],
    ids=["relisted", "the seller never chose", "the second chance is not paid either"],
)
def test_given_a_winner_who_does_not_pay_then_each_seller_choice_ends_as_it_should(
    machine: FakeStepMachine, choice: str, resumed: bool, second_paid: bool | None, ending: list[str]
) -> None:
    arn = _run(
        machine,
        CheckPayment=in_turn(UNPAID, UNPAID_NOBODY_NEXT),
        SettleSellerChoice=in_turn(SellerChoiceSettled.model_validate({"choice": choice})),
    )
    _time_out(machine, "auction_end", ENDS_IN)
    _time_out(machine, "auction_checkout", STARTED.wait_s)
    if resumed:
        _resume(machine, "auction_seller", f"auction.{choice}")
    else:
        _time_out(machine, "auction_seller", UNPAID.choice_window_s)
    if second_paid is not None:
        _time_out(machine, "auction_second_chance", STARTED.wait_s)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    path = machine.path(arn)
    assert path[: len(TO_PAYMENT) + 3] == [
        *TO_PAYMENT,
        "Wait For Seller Choice",
        "Settle Seller Choice",
        "Seller Chose?",
    ]
    assert path[len(TO_PAYMENT) + 3 :] == ending


def test_given_a_winner_who_does_not_pay_and_nobody_else_bid_then_it_is_not_sold(
    machine: FakeStepMachine,
) -> None:
    arn = _run(machine, CheckPayment=in_turn(UNPAID_NOBODY_NEXT))
    _time_out(machine, "auction_end", ENDS_IN)
    _time_out(machine, "auction_checkout", STARTED.wait_s)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [*TO_PAYMENT, "Not Sold"]


def test_given_a_checkout_still_settling_at_the_deadline_then_the_check_is_retried_in_place(
    machine: FakeStepMachine,
) -> None:
    settling = TransientError("the checkout has not ended yet")
    arn = _run(machine, CheckPayment=in_turn(settling, settling, PAID))
    _time_out(machine, "auction_end", ENDS_IN)
    _time_out(machine, "auction_checkout", STARTED.wait_s)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [*TO_PAYMENT, "Sold"]
    assert len(_payloads(machine, "CheckPayment")) == 3


#: each Task whose failure ends the auction FAILED, and the waits to get past on the way there
FAILING: dict[str, tuple[dict[str, Step], list[str]]] = {
    "Open Auction": ({"OpenAuction": in_turn(StepFailed("no listing"))}, []),
    "Wait For End": ({}, ["fail:auction_end"]),
    "Close Auction": ({"CloseAuction": in_turn(StepFailed("the unit could not be held"))}, ["auction_end"]),
    "Start Winner Checkout": ({"StartCheckout": in_turn(StepFailed("agreement lapsed"))}, ["auction_end"]),
    "Wait For Winner Payment": ({}, ["auction_end", "fail:auction_checkout"]),
    "Check Winner Payment": (
        {"CheckPayment": in_turn(TransientError("the checkout is unreadable"))},
        ["auction_end", "auction_checkout"],
    ),
    "Wait For Seller Choice": (
        {"CheckPayment": in_turn(UNPAID)},
        ["auction_end", "auction_checkout", "fail:auction_seller"],
    ),
    "Settle Seller Choice": (
        {"CheckPayment": in_turn(UNPAID), "SettleSellerChoice": in_turn(StepFailed("no auction"))},
        ["auction_end", "auction_checkout", "auction_seller"],
    ),
    "Start Second Chance Checkout": (
        {
            "CheckPayment": in_turn(UNPAID),
            "SettleSellerChoice": in_turn(SellerChoiceSettled(choice="second_chance")),
            "StartCheckout": in_turn(STARTED, StepFailed("the unit could not be held again")),
        },
        ["auction_end", "auction_checkout", "auction_seller"],
    ),
    "Wait For Second Chance Payment": (
        {
            "CheckPayment": in_turn(UNPAID),
            "SettleSellerChoice": in_turn(SellerChoiceSettled(choice="second_chance")),
        },
        ["auction_end", "auction_checkout", "auction_seller", "fail:auction_second_chance"],
    ),
    "Check Second Chance Payment": (
        {
            "CheckPayment": in_turn(UNPAID, StepFailed("no checkout")),
            "SettleSellerChoice": in_turn(SellerChoiceSettled(choice="second_chance")),
        },
        ["auction_end", "auction_checkout", "auction_seller", "auction_second_chance"],
    ),
}
_WAITED = {
    "auction_end": ENDS_IN,
    "auction_checkout": STARTED.wait_s,
    "auction_seller": UNPAID.choice_window_s,
    "auction_second_chance": STARTED.wait_s,
}


@pytest.mark.parametrize("failing", list(FAILING))
def test_given_a_step_that_fails_after_its_retries_then_the_auction_fails(
    machine: FakeStepMachine, failing: str
) -> None:
    overrides, waits = FAILING[failing]
    arn = _run(machine, **overrides)
    for wait in waits:
        if wait.startswith("fail:"):
            token = machine.token(f"{wait.removeprefix('fail:')}:{LISTING}")
            machine.aws.client("stepfunctions").send_task_failure(
                taskToken=token, error="ResumeFailed", cause="the waits table is gone"
            )
        elif wait == "auction_seller":
            _resume(machine, wait, "auction.second_chance")
        else:
            _time_out(machine, wait, _WAITED[wait])
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert result["error"] == "AuctionFailed"
    path = machine.path(arn)
    assert path[-2:] == [failing, "Auction Failed"], path
    if failing == "Check Winner Payment":  # a transient error: retried (4 times) before it is caught
        assert len(_payloads(machine, "CheckPayment")) == 5


def test_given_every_task_with_a_catch_to_auction_failed_then_each_is_driven_here() -> None:
    asl = json.loads(ASL.read_text())
    failing = {
        name
        for name, state in asl["States"].items()
        if any(c["Next"] == "Auction Failed" for c in state.get("Catch", []))
    }
    assert failing == set(FAILING)
