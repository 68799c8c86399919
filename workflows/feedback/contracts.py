"""The feedback_window state machine's contract (``statemachines/feedback_window.json``).

The execution's document starts as ``{"order_id", "reminder_failed": false}`` (written by the
``OrderDelivered`` consumer) and gathers what each step's ``ResultSelector`` keeps: the last
check (``check``), the reminder (``reminder``), the reveal (``revealed``), the event that resumed
the wait (``event``) and what a Catch caught. Every step gets the order id (Check Feedback also
whether the reminder failed, so that it is not tried again), never the document.
"""

from __future__ import annotations

from pydantic import Field

from workflows.feedback.model import NextStep  # noqa: TC001 - pydantic reads it
from workflows.shared.contracts import CaughtError, MachineContract, StateContract, StepModel
from workflows.shared.waits import WAIT_FOR_EVENT

# -- what the steps receive ------------------------------------------------------------------


class WindowStep(StepModel):
    order_id: str = Field(min_length=1, max_length=64)


class CheckStep(WindowStep):
    #: the reminder's step failed: the window goes on to the reveal without it
    reminder_failed: bool = False


# -- what the steps return -------------------------------------------------------------------


class FeedbackChecked(StepModel):
    next: NextStep
    #: seconds to the next deadline (the wait's timeout), at least 1
    wait_s: int = Field(ge=1)
    #: how many of the two parties have left feedback
    left: int = Field(ge=0, le=2)


class RemindersSent(StepModel):
    #: the parties reminded (those who had not left feedback)
    reminded: int = Field(ge=0, le=2)


class FeedbackRevealedStep(StepModel):
    #: feedback entries this run revealed (0 on a retry: revealed exactly once)
    revealed: int = Field(ge=0, le=2)
    #: this run revealed the window (False: a retry of a reveal already done)
    first_time: bool


# -- the execution's document ----------------------------------------------------------------


class Checked(StepModel):
    next: NextStep
    wait_s: int


class Reminded(StepModel):
    reminded: int


class Revealed(StepModel):
    revealed: int
    first_time: bool


class FeedbackEventSummary(StepModel):
    """``$.event``: what resumed the wait (``workflows.shared.waits.OutsideEvent.task_output``)."""

    event_id: str
    event_type: str
    occurred_at: int


class FeedbackWindowExecution(StepModel):
    order_id: str
    reminder_failed: bool
    check: Checked | None = None
    event: FeedbackEventSummary | None = None
    timeout: CaughtError | None = None
    reminder: Reminded | None = None
    reminder_error: CaughtError | None = None
    revealed: Revealed | None = None
    error: CaughtError | None = None


CONTRACT = MachineContract(
    asl="feedback_window.json",
    data=FeedbackWindowExecution,
    states={
        "Check Feedback": StateContract(input=CheckStep, output=FeedbackChecked),
        "Wait For Feedback": WAIT_FOR_EVENT,
        "Send Reminder": StateContract(input=WindowStep, output=RemindersSent),
        "Reveal Feedback": StateContract(input=WindowStep, output=FeedbackRevealedStep),
    },
)
