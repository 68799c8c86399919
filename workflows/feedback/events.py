"""Feedback's domain events (source ``resale.feedback``); ids derived from the feedback's id.

The profile's projection consumes them; it reads the feedback's row (the source of truth) for
what to count, so the events say what happened and whom it concerns, not the numbers.
"""

from __future__ import annotations

from typing import ClassVar

from workflows.feedback.model import Overall, SubjectRole  # noqa: TC001 - pydantic reads them
from workflows.shared.events import DomainEvent
from workflows.shared.ids import derived_id


class FeedbackEvent(DomainEvent):
    source: ClassVar[str] = "resale.feedback"

    feedback_id: str
    order_id: str
    author_id: str
    subject_id: str
    subject_role: SubjectRole

    @classmethod
    def event_id_for(cls, feedback_id: str) -> str:
        return derived_id("event", cls.__name__, feedback_id)


class FeedbackLeft(FeedbackEvent):
    """A party left feedback (hidden from the other until the reveal, unless revealed already)."""

    overall: Overall


class FeedbackRevealed(FeedbackEvent):
    """The feedback became visible to the other party and the public, and counts from now on."""

    overall: Overall


class FeedbackReplied(FeedbackEvent):
    """The person rated replied."""


class FeedbackRemoved(FeedbackEvent):
    """An admin removed the feedback for breaking the policy: it stops counting."""

    reason: str


#: every feedback event, by detail-type (what the projection's consumer parses)
FEEDBACK_EVENTS: dict[str, type[FeedbackEvent]] = {
    e.__name__: e for e in (FeedbackLeft, FeedbackRevealed, FeedbackReplied, FeedbackRemoved)
}
