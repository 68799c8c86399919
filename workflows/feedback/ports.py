"""Feedback's ports: the store of feedback and windows (PostgreSQL), its reads, the profile's
projection, and the listings that carry a seller's figures (MongoDB)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import date, datetime

    from workflows.feedback.model import Feedback, FeedbackWindow, SubjectRole
    from workflows.feedback.projection import DayBucket


@dataclass(frozen=True)
class DeliveredOrder:
    """What feedback needs of an order: its parties, its status and when its delivery was recorded."""

    order_id: str
    buyer_id: str
    seller_id: str
    status: str
    delivered_at: datetime | None
    title: str


class FeedbackStore(Protocol):
    """Feedback and windows on one transaction (the caller's unit of work)."""

    def order(self, order_id: str) -> DeliveredOrder | None: ...

    def open_window(self, window: FeedbackWindow) -> FeedbackWindow:
        """Insert the window unless it exists; the stored one, locked for this transaction."""
        ...

    def window(self, order_id: str, *, for_update: bool = False) -> FeedbackWindow | None: ...

    def of_order(self, order_id: str) -> list[Feedback]: ...

    def get(self, feedback_id: str, *, for_update: bool = False) -> Feedback | None: ...

    def add(self, feedback: Feedback) -> None: ...

    def reveal(self, order_id: str, at: datetime) -> list[Feedback]:
        """Mark the window and its hidden feedback revealed at ``at``; the feedback revealed now."""
        ...

    def mark_reminded(self, order_id: str, at: datetime) -> None: ...

    def set_reply(self, feedback_id: str, body: str, at: datetime) -> None: ...

    def remove(self, feedback_id: str, *, by: str, reason: str, at: datetime) -> None: ...


class StoreFactory(Protocol):
    def __call__(self) -> AbstractContextManager[FeedbackStore]: ...


@dataclass(frozen=True)
class PendingRow:
    order_id: str
    role: SubjectRole  # the role of the person the caller would rate
    counterpart_id: str
    title: str
    delivered_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class Member:
    user_id: str
    display_name: str
    member_since: datetime


class FeedbackReads(Protocol):
    """Reads on pooled connections (no transaction of the caller's)."""

    def pending(
        self, user_id: str, now: datetime, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[PendingRow]:
        """Open windows where ``user_id`` has not left feedback, soonest deadline first."""
        ...

    def revealed_about(
        self, subject_id: str, role: SubjectRole | None, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[Feedback]:
        """Revealed, not removed feedback about ``subject_id``, newest first."""
        ...

    def member(self, user_id: str) -> Member | None: ...


@dataclass(frozen=True)
class ProfileFigures:
    """What the projection keeps for one member: running totals and the buckets of the last year."""

    score: int
    positive: int
    neutral: int
    negative: int
    items_sold: int
    #: buckets from the oldest window's start on, each dated by its first day: a bucket lies wholly
    #: inside or wholly outside each window asked for (per day, or summed per window: same figures)
    days: tuple[DayBucket, ...]


class ProfileProjection(Protocol):
    """The public profile's read model (PostgreSQL tables of its own)."""

    def sync_feedback(self, feedback_id: str, event_id: str) -> str | None:
        """Make the projection count ``feedback_id`` as its row says now (revealed and not removed:
        counted; else not), once per event id; the subject's id when their figures changed."""
        ...

    def record_delivery(self, event_id: str, order_id: str, seller_id: str, items: int) -> bool:
        """Count an order's items as sold, once per order; True when counted now."""
        ...

    def figures(self, user_id: str, windows: tuple[date, ...]) -> ProfileFigures | None:
        """The member's figures, with buckets summed between the ``windows``' first days."""
        ...

    def member_figures(
        self, user_id: str, windows: tuple[date, ...]
    ) -> tuple[Member, ProfileFigures | None] | None:
        """The member (None: no such member) and their figures (None: nothing projected yet)."""
        ...

    def rebuild(self) -> int:
        """Recompute every table of the projection from the feedback and orders; members done."""
        ...

    def snapshot(self, user_ids: list[str]) -> dict[str, Any]:
        """Every row the projection holds for these members (what a rebuild must reproduce)."""
        ...


class ListingRatings(Protocol):
    """Port: the seller's score and percent positive onto their listings (browse reads them)."""

    def set_seller_rating(self, seller_id: str, score: int, percent_positive: float | None) -> int: ...


class ExecutionStarter(Protocol):
    """Port: start the feedback window's execution; False when one of that name exists."""

    def start(self, name: str, payload: dict[str, Any]) -> bool: ...
