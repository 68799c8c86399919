"""The missed-message state machine's contract (``statemachines/missed_message.json``).

The execution is started by a send whose recipient had no open connection, once per
conversation and recipient per quiet period (execution ``missed-<wait key>``): its document is
``{"conversation_id", "recipient_id", "since_seq", "delay_s", "wait_key"}``. Wait Quiet Period
is the shared wait step (a task token parked under ``missed_message:<wait key>``): the recipient
reading the conversation resumes it (no notice); its timeout, ``delay_s`` on the clock, leads to
Send Missed Notice, which looks again (read since? connected now?) and tells the recipient
through the notification pipeline, or not.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workflows.shared.contracts import CaughtError, MachineContract, StateContract, StepModel
from workflows.shared.waits import WAIT_FOR_EVENT

#: the correlation id of a quiet period's wait (``States.Format`` in the ASL builds the same)
WAIT_PREFIX = "missed_message"

NoticeOutcome = Literal["notified", "read", "online", "gone"]


class NoticeStep(StepModel):
    conversation_id: str = Field(min_length=1, max_length=64)
    recipient_id: str = Field(min_length=1, max_length=128)
    #: the first message of the quiet period (the recipient had read everything before it)
    since_seq: int = Field(ge=1)


class NoticeSent(StepModel):
    outcome: NoticeOutcome
    unread_count: int = Field(ge=0)


class Notice(StepModel):
    outcome: NoticeOutcome


class ReadEvent(StepModel):
    """``$.event``: the read marker that resumed the wait (``workflows.shared.waits``)."""

    event_id: str
    event_type: str
    occurred_at: int


class MissedMessageExecution(NoticeStep):
    delay_s: int = Field(ge=0)
    wait_key: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    event: ReadEvent | None = None
    timeout: CaughtError | None = None
    notice: Notice | None = None
    error: CaughtError | None = None


CONTRACT = MachineContract(
    asl="missed_message.json",
    data=MissedMessageExecution,
    states={
        "Wait Quiet Period": WAIT_FOR_EVENT,
        "Send Missed Notice": StateContract(input=NoticeStep, output=NoticeSent),
    },
)
