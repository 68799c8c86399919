"""statemachines/offer.json itself, its steps faked: every way through it, driven on purpose.

Each step is a test function answering the step's output model (``workflows.offers.contracts``):
an offer decided at once by the thresholds, answered (accepted, declined, countered and then
answered), unanswered until the deadline (the virtual clock moves), accepted and then purchased
or lapsed at the deadline to pay, a checkout still running at that deadline (retried), and
every Catch to Release Offer. Every document the execution passes is validated against the
contract's model of it (``OfferData``).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.workflows.runtime_handlers import FakeStepMachine, StepFailed, in_turn, virtual_aws
from workflows.offers.contracts import CONTRACT, Closed, Evaluated, Expired
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.workflows.runtime_handlers import Step

ASL = Path(__file__).resolve().parents[2] / "statemachines" / CONTRACT.asl
OFFER = "of-1"
HOURS_48 = 48 * 3600


def awaiting(round_: int = 1, status: str = "awaiting_seller") -> Evaluated:
    return Evaluated(
        stage="awaiting_answer",
        status=status,  # type: ignore[arg-type]
        round=round_,
        correlation_id=f"offer:{OFFER}-{round_}",
        wait_seconds=HOURS_48,
    )


ACCEPTED = Evaluated(
    stage="accepted", status="accepted", round=1, correlation_id=f"offer:{OFFER}-paid", wait_seconds=HOURS_48
)
DECLINED = Evaluated(stage="ended", status="declined", round=1)
EXPIRED = Evaluated(stage="ended", status="expired", round=1)
ANSWER = {"event_id": "e-1", "event_type": "offer.accepted", "occurred_at": 1_700_000_000}


@pytest.fixture(scope="module")
def machine() -> Iterator[FakeStepMachine]:
    for aws in virtual_aws():
        yield FakeStepMachine(aws, ASL, uuid.uuid4().hex[:8])


def _steps(machine: FakeStepMachine, **overrides: Step) -> dict[str, Step]:
    steps: dict[str, Step] = {
        "EvaluateOffer": in_turn(DECLINED),
        "WaitForEvent": machine.wait_step,
        "ExpireOffer": in_turn(Expired(expired=True, status="expired")),
        "CloseOffer": in_turn(Closed(status="purchased")),
        "ReleaseOffer": in_turn(Closed(status="failed")),
    }
    return steps | overrides


def _run(machine: FakeStepMachine, **overrides: Step) -> str:
    machine.reset(_steps(machine, **overrides))
    return machine.start(f"offer-{uuid.uuid4().hex[:8]}", {"offer_id": OFFER})


def _ended(machine: FakeStepMachine, arn: str) -> dict[str, Any]:
    result = machine.finish(arn)
    for document in machine.documents(arn):
        CONTRACT.data.model_validate(document)
    return result


def _payloads(machine: FakeStepMachine, key: str) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in event.items() if k != "execution"}
        for called, event in machine.calls
        if called == key
    ]


def _answer(machine: FakeStepMachine, round_: int = 1, *, waits: int = 1) -> None:
    token = machine.token(f"offer:{OFFER}-{round_}", waits=waits)
    machine.aws.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(ANSWER))


def test_given_an_offer_the_thresholds_decide_at_once_then_it_ends(machine: FakeStepMachine) -> None:
    arn = _run(machine, EvaluateOffer=in_turn(DECLINED))
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Evaluate Offer", "Offer Stage?", "Offer Ended"]
    assert _payloads(machine, "EvaluateOffer") == [{"offer_id": OFFER}]


def test_given_the_seller_declines_then_the_wait_resumes_and_it_ends(machine: FakeStepMachine) -> None:
    arn = _run(machine, EvaluateOffer=in_turn(awaiting(), DECLINED))
    _answer(machine)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Evaluate Offer",
        "Offer Stage?",
        "Wait For Answer",
        "Evaluate Offer",
        "Offer Stage?",
        "Offer Ended",
    ]
    assert json.loads(result["output"])["answer"] == ANSWER


def test_given_two_counters_then_accepted_and_purchased_then_each_round_waits_on_its_own_key(
    machine: FakeStepMachine,
) -> None:
    # Given a seller's counter (round 2) and the buyer's counter back (round 3), then an accept
    arn = _run(
        machine,
        EvaluateOffer=in_turn(awaiting(1), awaiting(2, "awaiting_buyer"), awaiting(3), ACCEPTED),
        CloseOffer=in_turn(Closed(status="purchased")),
    )
    for round_ in (1, 2, 3):
        _answer(machine, round_)
    # When the checkout at the agreed price is paid (its AgreedCheckoutEnded resumes the wait)
    token = machine.token(f"offer:{OFFER}-paid")
    paid = {"event_id": "e-2", "event_type": "offer.purchased", "occurred_at": 1_700_000_100}
    machine.aws.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(paid))
    result = _ended(machine, arn)
    # Then the offer was closed once, purchased
    assert result["status"] == "SUCCEEDED", result
    path = machine.path(arn)
    assert path.count("Wait For Answer") == 3
    assert path[-4:] == ["Offer Stage?", "Wait For Purchase", "Close Offer", "Offer Ended"]
    assert "timeout" not in json.loads(result["output"])  # resumed by the payment, not timed out
    assert [e["correlation_id"] for e in _payloads(machine, "WaitForEvent")] == [
        f"offer:{OFFER}-1",
        f"offer:{OFFER}-2",
        f"offer:{OFFER}-3",
        f"offer:{OFFER}-paid",
    ]
    assert json.loads(result["output"])["closed"] == {"status": "purchased"}


def test_given_no_answer_within_48_hours_then_the_round_expires(machine: FakeStepMachine) -> None:
    arn = _run(machine, EvaluateOffer=in_turn(awaiting(), EXPIRED))
    machine.token(f"offer:{OFFER}-1")
    machine.aws.clock.advance(HOURS_48)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Evaluate Offer",
        "Offer Stage?",
        "Wait For Answer",
        "Expire Offer",
        "Evaluate Offer",
        "Offer Stage?",
        "Offer Ended",
    ]
    # Expire Offer is told which round timed out (an answer to a later round must not expire it)
    assert _payloads(machine, "ExpireOffer") == [{"offer_id": OFFER, "round": 1}]
    assert json.loads(result["output"])["timeout"]["Error"] == "States.Timeout"


def test_given_an_accepted_offer_not_bought_then_it_lapses_at_the_deadline(machine: FakeStepMachine) -> None:
    arn = _run(machine, EvaluateOffer=in_turn(ACCEPTED), CloseOffer=in_turn(Closed(status="lapsed")))
    machine.token(f"offer:{OFFER}-paid")
    machine.aws.clock.advance(HOURS_48 - 1)
    assert _payloads(machine, "CloseOffer") == []  # not before the deadline
    machine.aws.clock.advance(1)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Evaluate Offer",
        "Offer Stage?",
        "Wait For Purchase",
        "Close Offer",
        "Offer Ended",
    ]
    output = json.loads(result["output"])
    assert output["closed"] == {"status": "lapsed"} and output["timeout"]["Error"] == "States.Timeout"


def test_given_a_checkout_still_running_at_the_deadline_then_close_is_retried(
    machine: FakeStepMachine,
) -> None:
    running = TransientError("the checkout is still running")
    arn = _run(
        machine,
        EvaluateOffer=in_turn(ACCEPTED),
        CloseOffer=in_turn(running, running, Closed(status="purchased")),
    )
    machine.token(f"offer:{OFFER}-paid")
    machine.aws.clock.advance(HOURS_48)
    deadline = time.monotonic() + 5
    while len(_payloads(machine, "CloseOffer")) < 3 and time.monotonic() < deadline:
        machine.aws.clock.advance(120)  # the retries back off on the virtual clock
        time.sleep(0.02)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert len(_payloads(machine, "CloseOffer")) == 3


#: each Task whose failure goes to Release Offer (and the execution FAILS), and how to get there
FAILING: dict[str, tuple[dict[str, Step], str | None]] = {
    "Evaluate Offer": ({"EvaluateOffer": in_turn(StepFailed("no offer"))}, None),
    "Wait For Answer": ({"EvaluateOffer": in_turn(awaiting())}, "answer"),
    "Expire Offer": (
        {"EvaluateOffer": in_turn(awaiting()), "ExpireOffer": in_turn(StepFailed("no offer"))},
        "timeout",
    ),
    "Wait For Purchase": ({"EvaluateOffer": in_turn(ACCEPTED)}, "purchase"),
    "Close Offer": (
        {"EvaluateOffer": in_turn(ACCEPTED), "CloseOffer": in_turn(StepFailed("no offer"))},
        "pay",
    ),
}


@pytest.mark.parametrize("failing", list(FAILING))
def test_given_a_step_that_fails_after_its_retries_then_the_offer_is_released_and_fails(
    machine: FakeStepMachine, failing: str
) -> None:
    overrides, how = FAILING[failing]
    arn = _run(machine, **overrides)
    if how == "answer":
        token = machine.token(f"offer:{OFFER}-1")
        machine.aws.client("stepfunctions").send_task_failure(
            taskToken=token, error="ResumeFailed", cause="the waits table is gone"
        )
    elif how == "timeout":
        machine.token(f"offer:{OFFER}-1")
        machine.aws.clock.advance(HOURS_48)
    elif how == "purchase":
        token = machine.token(f"offer:{OFFER}-paid")
        machine.aws.client("stepfunctions").send_task_failure(
            taskToken=token, error="ResumeFailed", cause="the waits table is gone"
        )
    elif how == "pay":
        machine.token(f"offer:{OFFER}-paid")
        machine.aws.clock.advance(HOURS_48)
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert result["error"] == "OfferFailed"
    assert machine.path(arn)[-3:] == [failing, "Release Offer", "Offer Failed"]
    assert _payloads(machine, "ReleaseOffer") == [{"offer_id": OFFER}]


def test_given_the_release_itself_fails_then_the_execution_fails_saying_so(machine: FakeStepMachine) -> None:
    arn = _run(
        machine, EvaluateOffer=in_turn(StepFailed("no offer")), ReleaseOffer=in_turn(StepFailed("gone"))
    )
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert result["error"] == "ReleaseFailed"
    assert machine.path(arn)[-2:] == ["Release Offer", "Release Failed"]


def test_given_every_task_with_a_catch_to_release_offer_then_each_is_driven_here() -> None:
    asl = json.loads(ASL.read_text())
    failing = {
        name
        for name, state in asl["States"].items()
        if any(c["Next"] == "Release Offer" for c in state.get("Catch", []))
    }
    assert failing == set(FAILING)
