"""statemachines/missed_message.json itself, its step faked: the quiet period waited on the
virtual clock, the notice looked at after it, a transient failure retried, and the Catch."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.workflows.runtime_handlers import FakeStepMachine, StepFailed, in_turn, virtual_aws
from workflows.messaging.contracts import CONTRACT, NoticeSent
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Iterator

ASL = Path(__file__).resolve().parents[2] / "statemachines" / CONTRACT.asl
START = {"conversation_id": "c-1", "recipient_id": "u-2", "since_seq": 3, "delay_s": 900, "wait_key": "k-1"}
KEY = "missed_message:k-1"


@pytest.fixture(scope="module")
def machine() -> Iterator[FakeStepMachine]:
    for aws in virtual_aws():
        yield FakeStepMachine(aws, ASL, uuid.uuid4().hex[:8])


def _run(machine: FakeStepMachine, step: Any) -> str:
    machine.reset({"WaitForEvent": machine.wait_step, "SendMissedNotice": step})
    return machine.start(f"missed-{uuid.uuid4().hex[:8]}", START)


def _time_out(machine: FakeStepMachine) -> None:
    """The quiet period passes on the clock with nobody reading."""
    machine.token(KEY)
    machine.aws.clock.advance(900)


def _ended(machine: FakeStepMachine, arn: str) -> dict[str, Any]:
    result = machine.finish(arn)
    for document in machine.documents(arn):
        CONTRACT.data.model_validate(document)
    return result


def test_given_a_missed_message_then_the_notice_is_sent_once_the_quiet_period_passes(machine) -> None:
    arn = _run(machine, in_turn(NoticeSent(outcome="notified", unread_count=2)))
    machine.token(KEY)
    machine.aws.clock.advance(899)
    assert [key for key, _ in machine.calls] == ["WaitForEvent"]  # not a second early
    machine.aws.clock.advance(1)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Wait Quiet Period", "Send Missed Notice", "Notice Done"]
    assert machine.calls[1] == (
        "SendMissedNotice",
        {"conversation_id": "c-1", "recipient_id": "u-2", "since_seq": 3},
    )
    output = json.loads(result["output"])
    assert output["notice"] == {"outcome": "notified"} and output["timeout"]["Error"] == "States.Timeout"


def test_given_the_recipient_reads_in_time_then_the_wait_is_resumed_and_no_notice_goes(machine) -> None:
    arn = _run(machine, in_turn(NoticeSent(outcome="notified", unread_count=2)))
    token = machine.token(KEY)
    read = {"event_id": "e-1", "event_type": "message.read", "occurred_at": 1_700_000_000}
    machine.aws.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(read))
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == ["Wait Quiet Period", "Read In Time"]
    assert json.loads(result["output"])["event"] == read
    assert [key for key, _ in machine.calls] == ["WaitForEvent"]


@pytest.mark.parametrize("outcome", ["read", "online", "gone"])
def test_given_the_recipient_read_or_is_online_at_the_end_then_it_ends_without_a_notice(
    machine, outcome
) -> None:
    arn = _run(machine, in_turn(NoticeSent(outcome=outcome, unread_count=0)))
    _time_out(machine)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["notice"] == {"outcome": outcome}


def test_given_a_transient_failure_then_the_step_is_tried_again(machine) -> None:
    flaky = TransientError("MongoDB is unavailable")
    arn = _run(machine, in_turn(flaky, NoticeSent(outcome="notified", unread_count=1)))
    _time_out(machine)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert [key for key, _ in machine.calls] == ["WaitForEvent", "SendMissedNotice", "SendMissedNotice"]


def test_given_the_step_fails_for_good_then_the_catch_ends_it_failed(machine) -> None:
    arn = _run(machine, in_turn(StepFailed("the notifications topic is gone")))
    _time_out(machine)
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert machine.path(arn) == ["Wait Quiet Period", "Send Missed Notice", "Notice Failed"]
    assert result.get("error") == "MissedNoticeFailed"


def test_given_the_wait_step_fails_then_the_catch_ends_it_failed(machine) -> None:
    machine.reset({"WaitForEvent": in_turn(StepFailed("no task-tokens table"))})
    arn = machine.start(f"missed-{uuid.uuid4().hex[:8]}", START)
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert machine.path(arn) == ["Wait Quiet Period", "Notice Failed"]
