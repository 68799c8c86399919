"""statemachines/seller_onboarding.json itself, its steps faked: every way through it, on purpose.

Each step is a test function answering the step's output model (``workflows.onboarding.contracts``):
the account becomes active (at once, or after a pending update), is rejected, or the seller never
finishes (the reminder, then the expiry, on the virtual clock: nothing sleeps); and each Task's
failure goes through Mark Onboarding Failed to Onboarding Failed. Every document the execution
passes from state to state is validated against the contract's model of it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.workflows.runtime_handlers import FakeStepMachine, StepFailed, in_turn, virtual_aws
from workflows.onboarding.contracts import (
    CONTRACT,
    AccountCreated,
    Activated,
    Evaluated,
    NextWait,
    OnboardingClosed,
    Waiting,
)
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.workflows.runtime_handlers import Step

ASL = Path(__file__).resolve().parents[2] / "statemachines" / CONTRACT.asl
ACCOUNT = "acct_1"
KEY = f"account:{ACCOUNT}"
REMIND_S, EXPIRE_S = 600, 1800
FIRST_WAIT = Waiting(wait=NextWait(timeout_seconds=REMIND_S, on_timeout="remind"))
THEN_EXPIRY = NextWait(timeout_seconds=EXPIRE_S - REMIND_S, on_timeout="expire")
ACTIVE = Evaluated(outcome="active", wait=FIRST_WAIT.wait)
START = ["Create Connected Account", "Create Account Link", "Wait For Account Update"]
ACTIVATED = ["Evaluate Account", "Account Outcome?", "Activate Seller", "Seller Active"]


@pytest.fixture(scope="module")
def machine() -> Iterator[FakeStepMachine]:
    for aws in virtual_aws():
        yield FakeStepMachine(aws, ASL, uuid.uuid4().hex[:8])


def _steps(machine: FakeStepMachine, **overrides: Step) -> dict[str, Step]:
    steps: dict[str, Step] = {
        "CreateConnectedAccount": in_turn(AccountCreated(account_id=ACCOUNT)),
        "CreateAccountLink": in_turn(FIRST_WAIT),
        "WaitForEvent": machine.wait_step,
        "EvaluateAccount": in_turn(ACTIVE),
        "ActivateSeller": in_turn(Activated(user_id="u-1", activated=True)),
        "SendReminder": in_turn(Waiting(wait=THEN_EXPIRY)),
        "ExpireOnboarding": in_turn(OnboardingClosed(status="expired")),
        "MarkOnboardingFailed": in_turn(OnboardingClosed(status="failed")),
    }
    return steps | overrides


def _run(machine: FakeStepMachine, **overrides: Step) -> tuple[str, str]:
    machine.reset(_steps(machine, **overrides))
    onboarding_id = str(uuid.uuid4())
    execution_input = {
        "onboarding_id": onboarding_id,
        "user_id": "u-1",
        "remind_after_seconds": REMIND_S,
        "expire_after_seconds": EXPIRE_S,
    }
    return onboarding_id, machine.start(onboarding_id, execution_input)


def _account_updated(n: int) -> dict[str, Any]:
    """What the stripe-events consumer resumes the wait with (``workflows.payments.stripe_events``)."""
    return {
        "event_id": f"evt_{n}",
        "event_type": "account.updated",
        "occurred_at": 1_700_000_000 + n,
        "object_id": ACCOUNT,
        "status": None,
        "account_id": ACCOUNT,
        "charges_enabled": True,
        "payouts_enabled": True,
        "details_submitted": True,
        "requirements_due": [],
        "disabled_reason": None,
    }


def _resume(machine: FakeStepMachine, n: int, *, waits: int = 1) -> None:
    token = machine.token(KEY, waits=waits)
    machine.aws.client("stepfunctions").send_task_success(
        taskToken=token, output=json.dumps(_account_updated(n))
    )


def _ended(machine: FakeStepMachine, arn: str) -> dict[str, Any]:
    result = machine.finish(arn)
    for document in machine.documents(arn):
        CONTRACT.data.model_validate(document)
    return result


def _payloads(machine: FakeStepMachine, key: str) -> list[dict[str, Any]]:
    return [event for called, event in machine.calls if called == key]


def test_given_an_account_stripe_enables_then_the_seller_is_active(machine: FakeStepMachine) -> None:
    onboarding_id, arn = _run(machine)
    _resume(machine, 1)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [*START, *ACTIVATED]
    # the wait parks under the account; Evaluate Account gets which event, which account and when
    assert _payloads(machine, "WaitForEvent")[0]["correlation_id"] == KEY
    assert _payloads(machine, "EvaluateAccount") == [
        {
            "onboarding_id": onboarding_id,
            "execution": onboarding_id,
            "event_id": "evt_1",
            "account_id": ACCOUNT,
            "occurred_at": 1_700_000_001,
        }
    ]
    assert _payloads(machine, "CreateConnectedAccount") == [
        {"onboarding_id": onboarding_id, "execution": onboarding_id}
    ]


def test_given_a_pending_update_then_it_waits_again_until_the_account_is_enabled(
    machine: FakeStepMachine,
) -> None:
    pending = Evaluated(outcome="pending", wait=NextWait(timeout_seconds=500, on_timeout="remind"))
    _, arn = _run(machine, EvaluateAccount=in_turn(pending, ACTIVE))
    _resume(machine, 1)
    _resume(machine, 2, waits=2)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        *START,
        "Evaluate Account",
        "Account Outcome?",
        "Wait For Account Update",
        *ACTIVATED,
    ]


def test_given_a_rejected_account_then_the_onboarding_ends_rejected(machine: FakeStepMachine) -> None:
    _, arn = _run(machine, EvaluateAccount=in_turn(Evaluated(outcome="rejected", wait=FIRST_WAIT.wait)))
    _resume(machine, 1)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [*START, "Evaluate Account", "Account Outcome?", "Rejected"]
    assert not _payloads(machine, "ActivateSeller")


def test_given_a_seller_who_never_finishes_then_a_reminder_and_then_the_expiry(
    machine: FakeStepMachine,
) -> None:
    # Given the seller does nothing: the first wait times out at the reminder's deadline
    _, arn = _run(machine)
    machine.token(KEY)
    machine.aws.clock.advance(REMIND_S)
    # and the second, after the reminder, at the expiry
    machine.token(KEY, waits=2)
    machine.aws.clock.advance(EXPIRE_S - REMIND_S)
    result = _ended(machine, arn)
    assert result["status"] == "SUCCEEDED", result
    assert machine.path(arn) == [
        *START,
        "Remind Or Expire?",
        "Send Reminder",
        "Wait For Account Update",
        "Remind Or Expire?",
        "Expire Onboarding",
        "Expired",
    ]
    assert json.loads(result["output"])["timeout"]["Error"] == "States.Timeout"


#: each Task whose failure marks the onboarding failed, and what gets the execution there
FAILING: dict[str, tuple[dict[str, Step], str]] = {
    "Create Connected Account": ({"CreateConnectedAccount": in_turn(StepFailed("Stripe refused"))}, ""),
    "Create Account Link": ({"CreateAccountLink": in_turn(TransientError("Stripe answered 503"))}, ""),
    "Wait For Account Update": ({}, "fail the wait"),
    "Evaluate Account": ({"EvaluateAccount": in_turn(StepFailed("another account"))}, "resume"),
    "Activate Seller": ({"ActivateSeller": in_turn(StepFailed("the user pool is gone"))}, "resume"),
    "Send Reminder": ({"SendReminder": in_turn(StepFailed("no deadlines"))}, "time out"),
    "Expire Onboarding": (
        {
            "CreateAccountLink": in_turn(Waiting(wait=THEN_EXPIRY)),
            "ExpireOnboarding": in_turn(StepFailed("gone")),
        },
        "time out",
    ),
}


@pytest.mark.parametrize("failing", list(FAILING))
def test_given_a_step_that_fails_after_its_retries_then_the_onboarding_is_marked_failed(
    machine: FakeStepMachine, failing: str
) -> None:
    overrides, drive = FAILING[failing]
    onboarding_id, arn = _run(machine, **overrides)
    if drive == "resume":
        _resume(machine, 1)
    elif drive == "time out":  # the first wait's timeout, whichever deadline it is
        machine.token(KEY)
        machine.aws.clock.advance(EXPIRE_S)
    elif drive == "fail the wait":
        token = machine.token(KEY)
        machine.aws.client("stepfunctions").send_task_failure(
            taskToken=token, error="ResumeFailed", cause="gone"
        )
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert result["error"] == "OnboardingFailed"
    path = machine.path(arn)
    assert path[-3:] == [failing, "Mark Onboarding Failed", "Onboarding Failed"], path
    # the compensation is told which onboarding and what the Catch caught
    (marked,) = _payloads(machine, "MarkOnboardingFailed")
    expected = {"Create Account Link": "TransientError", "Wait For Account Update": "ResumeFailed"}
    assert marked == {
        "onboarding_id": onboarding_id,
        "execution": onboarding_id,
        "error": expected.get(failing, "StepFailed"),
    }


def test_given_the_compensation_itself_failing_then_the_execution_fails_with_its_error(
    machine: FakeStepMachine,
) -> None:
    _, arn = _run(
        machine,
        CreateConnectedAccount=in_turn(StepFailed("Stripe refused")),
        MarkOnboardingFailed=in_turn(StepFailed("the database is gone")),
    )
    result = _ended(machine, arn)
    assert result["status"] == "FAILED", result
    assert result["error"] == "StepFailed"
    assert machine.path(arn) == ["Create Connected Account", "Mark Onboarding Failed"]


def test_given_every_task_with_a_catch_to_the_compensation_then_each_is_driven_here() -> None:
    asl = json.loads(ASL.read_text())
    compensated = {
        name
        for name, state in asl["States"].items()
        if any(c["Next"] == "Mark Onboarding Failed" for c in state.get("Catch", []))
    }
    assert compensated == set(FAILING)
