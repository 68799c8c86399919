"""Workflows that wait for the outside world.

A Step Functions task with ``.waitForTaskToken`` parks its token under a business key (the
*correlation id*, e.g. ``payment_intent:pi_123``); when the matching outside event arrives (a
Stripe event through EventBridge), the token is taken and the workflow resumed with a summary
of the event. Events can arrive twice or before the workflow is waiting: duplicates are
dropped by event id, and an early event is parked under the same key so that the workflow,
when it starts waiting, is resumed at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import Field

from workflows.shared.contracts import StateContract, StepModel


@dataclass(frozen=True)
class OutsideEvent:
    """An event from outside that may resume a workflow."""

    event_id: str
    event_type: str
    correlation_id: str
    occurred_at: int  # epoch seconds
    summary: dict[str, Any] = field(default_factory=dict)

    def task_output(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "occurred_at": self.occurred_at,
            **self.summary,
        }


@dataclass(frozen=True)
class Parked:
    """What the waits table holds for one correlation id."""

    task_token: str | None
    event: OutsideEvent | None


class WaitingTasks(Protocol):
    """Port: the waits table (DynamoDB task-tokens)."""

    def park_token(self, correlation_id: str, task_token: str, expires_at: int) -> OutsideEvent | None:
        """Store the token; if an event already arrived for this key, take and return it."""
        ...

    def take_token_or_park_event(self, event: OutsideEvent, expires_at: int) -> str | None:
        """Take the waiting token (returned), or park the event when nobody waits (None).

        An event older than the one already parked is ignored (returns None).
        """
        ...


class TaskResponder(Protocol):
    """Port: resumes a waiting Step Functions task."""

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        """Resume with ``output``; False when the task no longer waits (timed out, ended)."""
        ...


Outcome = Literal["resumed", "parked", "stale"]


class WaitForEvent(StepModel):
    """The Payload of every "Wait For ..." task (``.waitForTaskToken``): what to wait for, and the token."""

    correlation_id: str = Field(min_length=3, max_length=200, pattern=r"^[a-z_]+:[A-Za-z0-9_\-]+$")
    task_token: str = Field(min_length=1)


class WaitStarted(StepModel):
    """What the wait step returns at once (the task's result is the event that resumes it)."""

    outcome: Outcome


#: the wait step's contract, the same in every machine that waits for an outside event
WAIT_FOR_EVENT = StateContract(input=WaitForEvent, output=WaitStarted)

#: how long an early event or an unclaimed token is kept
PARK_SECONDS = 7 * 24 * 3600


def wait_for_event(
    waiting: WaitingTasks, responder: TaskResponder, *, correlation_id: str, task_token: str, now: int
) -> Outcome:
    """A workflow starts waiting: park its token, or resume it at once if the event came first."""
    early = waiting.park_token(correlation_id, task_token, now + PARK_SECONDS)
    if early is None:
        return "parked"
    return "resumed" if responder.succeed(task_token, early.task_output()) else "stale"


def deliver_event(
    waiting: WaitingTasks, responder: TaskResponder, event: OutsideEvent, *, now: int
) -> Outcome:
    """An outside event arrived: resume whoever waits for it, or keep it for when they do."""
    token = waiting.take_token_or_park_event(event, now + PARK_SECONDS)
    if token is None:
        return "parked"
    return "resumed" if responder.succeed(token, event.task_output()) else "stale"
