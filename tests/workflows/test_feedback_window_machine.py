"""statemachines/feedback_window.json itself, its steps faked: every way through it, on purpose.

Each step is a test function answering the step's output model (``workflows.feedback.contracts``):
the wait for the parties' feedback (resumed, failed, timed out on the virtual clock at the
reminder and at the reveal), the reminder (sent once, or failed and not tried again), the reveal,
and every Catch to Feedback Window Failed. Every document the execution passes from state to
state is validated against the contract's model of it (``FeedbackWindowExecution``).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.workflows.runtime_handlers import FakeStepMachine, StepFailed, in_turn, virtual_aws
from workflows.feedback.contracts import CONTRACT, FeedbackChecked, FeedbackRevealedStep, RemindersSent
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.workflows.runtime_handlers import Step

ASL = Path(__file__).resolve().parents[2] / "statemachines" / CONTRACT.asl
ORDER = "o-1"
WAIT_REMINDER = FeedbackChecked(next="wait", wait_s=7 * 86_400, left=0)
WAIT_REVEAL = FeedbackChecked(next="wait", wait_s=7 * 86_400, left=1)
REMIND = FeedbackChecked(next="remind", wait_s=1, left=1)
REVEAL = FeedbackChecked(next="reveal", wait_s=1, left=2)
REVEALED = FeedbackRevealedStep(revealed=2, first_time=True)
EVENT = {"event_id": "e-1", "event_type": "feedback.left", "occurred_at": 1_700_000_000}


@pytest.fixture(scope="module")
def machine() -> Iterator[FakeStepMachine]:
    for aws in virtual_aws():
        yield FakeStepMachine(aws, ASL, uuid.uuid4().hex[:8])


def _run(machine: FakeStepMachine, **overrides: Step) -> str:
    steps: dict[str, Step] = {
        "CheckFeedback": in_turn(REVEAL),
        "WaitForEvent": machine.wait_step,
        "SendReminder": in_turn(RemindersSent(reminded=1)),
        "RevealFeedback": in_turn(REVEALED),
    }
    machine.reset(steps | overrides)
    return machine.start(f"feedback-{uuid.uuid4().hex[:8]}", {"order_id": ORDER, "reminder_failed": False})


def _ended(machine: FakeStepMachine, arn: str) -> dict[str, Any]:
    result = machine.finish(arn)
    for document in machine.documents(arn):
        CONTRACT.data.model_validate(document)
    return result


def _payloads(machine: FakeStepMachine, key: str) -> list[dict[str, Any]]:
    return [event for called, event in machine.calls if called == key]


def test_given_both_parties_left_feedback_already_then_it_is_revealed_at_once(
    machine: FakeStepMachine,
) -> None:
    arn = _run(machine)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Check Feedback", "Next Step?", "Reveal Feedback", "Feedback Revealed"]
    assert json.loads(result["output"])["revealed"] == {"revealed": 2, "first_time": True}
    assert _payloads(machine, "CheckFeedback") == [{"order_id": ORDER, "reminder_failed": False}]
    assert _payloads(machine, "RevealFeedback") == [{"order_id": ORDER}]


def test_given_each_party_leaves_feedback_then_each_resumes_the_wait_and_the_second_reveals(
    machine: FakeStepMachine,
) -> None:
    arn = _run(machine, CheckFeedback=in_turn(WAIT_REMINDER, WAIT_REMINDER, REVEAL))
    sfn = machine.aws.client("stepfunctions")
    correlation = f"feedback:{ORDER}"
    sfn.send_task_success(taskToken=machine.token(correlation), output=json.dumps(EVENT))
    second = {**EVENT, "event_id": "e-2"}
    sfn.send_task_success(taskToken=machine.token(correlation, waits=2), output=json.dumps(second))
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    wait = ["Check Feedback", "Next Step?", "Wait For Feedback"]
    assert machine.path(arn) == [
        *wait,
        *wait,
        "Check Feedback",
        "Next Step?",
        "Reveal Feedback",
        "Feedback Revealed",
    ]
    assert json.loads(result["output"])["event"] == second
    assert _payloads(machine, "SendReminder") == []


def test_given_one_party_only_then_it_is_reminded_midway_and_revealed_when_the_period_ends(
    machine: FakeStepMachine,
) -> None:
    # Given a window whose reminder is due in 7 days and its reveal 7 days after that
    arn = _run(machine, CheckFeedback=in_turn(WAIT_REMINDER, REMIND, WAIT_REVEAL, REVEAL))
    correlation = f"feedback:{ORDER}"
    # When the clock passes the reminder, then the reveal, with no feedback resuming the wait
    machine.token(correlation)
    machine.aws.clock.advance(WAIT_REMINDER.wait_s)
    machine.token(correlation, waits=2)
    machine.aws.clock.advance(WAIT_REVEAL.wait_s)
    result = _ended(machine, arn)
    # Then it reminded once, midway, and revealed at the end
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Check Feedback",
        "Next Step?",
        "Wait For Feedback",
        "Check Feedback",
        "Next Step?",
        "Send Reminder",
        "Check Feedback",
        "Next Step?",
        "Wait For Feedback",
        "Check Feedback",
        "Next Step?",
        "Reveal Feedback",
        "Feedback Revealed",
    ]
    output = json.loads(result["output"])
    assert output["timeout"]["Error"] == "States.Timeout"
    assert output["reminder"] == {"reminded": 1}
    assert len(_payloads(machine, "SendReminder")) == 1


def test_given_the_reminder_fails_then_it_is_not_tried_again_and_the_window_goes_on(
    machine: FakeStepMachine,
) -> None:
    arn = _run(
        machine,
        CheckFeedback=in_turn(REMIND, REVEAL),
        SendReminder=in_turn(StepFailed("the notifications topic is gone")),
    )
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        "Check Feedback",
        "Next Step?",
        "Send Reminder",
        "Reminder Not Sent",
        "Check Feedback",
        "Next Step?",
        "Reveal Feedback",
        "Feedback Revealed",
    ]
    # the second check is told, so that it does not remind again
    assert [p["reminder_failed"] for p in _payloads(machine, "CheckFeedback")] == [False, True]
    assert json.loads(result["output"])["reminder_error"]["Error"] == "StepFailed"


def test_given_a_transient_reveal_failure_then_it_is_retried_in_place(machine: FakeStepMachine) -> None:
    flaky = TransientError("PostgreSQL is restarting")
    again = FeedbackRevealedStep(revealed=0, first_time=False)
    arn = _run(machine, RevealFeedback=in_turn(flaky, again))
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert len(_payloads(machine, "RevealFeedback")) == 2
    assert json.loads(result["output"])["revealed"] == {"revealed": 0, "first_time": False}


#: each Task whose failure ends the window FAILED, and how to get there
FAILING: dict[str, tuple[dict[str, Step], bool]] = {
    "Check Feedback": ({"CheckFeedback": in_turn(StepFailed("no order"))}, False),
    "Wait For Feedback": ({"CheckFeedback": in_turn(WAIT_REMINDER)}, True),
    "Reveal Feedback": ({"RevealFeedback": in_turn(StepFailed("no window"))}, False),
}


@pytest.mark.parametrize("failing", list(FAILING))
def test_given_a_step_that_fails_after_its_retries_then_the_window_fails(
    machine: FakeStepMachine, failing: str
) -> None:
    overrides, waits = FAILING[failing]
    arn = _run(machine, **overrides)
    if waits:
        token = machine.token(f"feedback:{ORDER}")
        machine.aws.client("stepfunctions").send_task_failure(
            taskToken=token, error="ResumeFailed", cause="the waits table is gone"
        )
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert result["error"] == "FeedbackWindowFailed"
    assert machine.path(arn)[-2:] == [failing, "Feedback Window Failed"]


def test_given_every_task_with_a_catch_to_the_failure_then_each_is_driven_here() -> None:
    asl = json.loads(ASL.read_text())
    failing = {
        name
        for name, state in asl["States"].items()
        if any(c["Next"] == "Feedback Window Failed" for c in state.get("Catch", []))
    }
    assert failing == set(FAILING)
