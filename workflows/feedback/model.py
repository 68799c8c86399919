"""Feedback's values and rules: pure, no I/O.

An order is open for feedback once its delivery is recorded (by the buyer, or automatically) and
while it is neither cancelled nor refunded in full, for :attr:`FeedbackPolicy.window` after the
delivery. The buyer rates the seller (overall, a comment, four detailed ratings); the seller rates
the buyer (overall, always positive, and a comment). Feedback is double-blind until the reveal:
when both parties have left theirs, or :attr:`FeedbackPolicy.reveal_after` after delivery,
whichever comes first; a reminder goes once, at :attr:`FeedbackPolicy.remind_after`, to whoever
has not left theirs. Feedback left after the reveal is visible at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, get_args

from workflows.shared.ids import derived_id

Overall = Literal["positive", "neutral", "negative"]
OVERALLS: tuple[str, ...] = get_args(Overall)
#: the role in the order of the person a feedback is about
SubjectRole = Literal["seller", "buyer"]
#: the four detailed ratings a buyer gives the seller, 1-5 each
RATING_NAMES: tuple[str, ...] = ("item_as_described", "communication", "shipping_time", "shipping_cost")
#: order statuses that close feedback even after delivery
CLOSED_STATUSES = frozenset({"cancelled", "refunded"})
#: what the feedback window's check decides
NextStep = Literal["wait", "remind", "reveal"]


def feedback_id_for(order_id: str, subject_role: SubjectRole) -> str:
    """One feedback per order per party: the id is the order's and the rated party's role."""
    return derived_id("feedback", order_id, subject_role)


def execution_name(order_id: str) -> str:
    """The feedback window's execution (a redelivered OrderDelivered starts nothing twice)."""
    return f"feedback-{order_id}"


def correlation_id(order_id: str) -> str:
    """What the window's wait is resumed by: a party left feedback on the order."""
    return f"feedback:{order_id}"


@dataclass(frozen=True)
class FeedbackPolicy:
    #: feedback can be left this long after delivery
    window: timedelta = timedelta(days=60)
    #: feedback is revealed this long after delivery at the latest
    reveal_after: timedelta = timedelta(days=14)
    #: the reminder goes this long after delivery (midway through the reveal period by default)
    remind_after: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.remind_after <= self.reveal_after <= self.window:
            raise ValueError("0 < remind_after <= reveal_after <= window")


@dataclass(frozen=True)
class Ratings:
    item_as_described: int
    communication: int
    shipping_time: int
    shipping_cost: int

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.item_as_described, self.communication, self.shipping_time, self.shipping_cost)


@dataclass(frozen=True)
class FeedbackWindow:
    """An order's feedback window, opened when its delivery was recorded."""

    order_id: str
    buyer_id: str
    seller_id: str
    delivered_at: datetime
    remind_at: datetime
    reveal_at: datetime
    closes_at: datetime
    reminded_at: datetime | None = None
    revealed_at: datetime | None = None

    @classmethod
    def opened(
        cls, order_id: str, buyer_id: str, seller_id: str, delivered_at: datetime, policy: FeedbackPolicy
    ) -> FeedbackWindow:
        return cls(
            order_id=order_id,
            buyer_id=buyer_id,
            seller_id=seller_id,
            delivered_at=delivered_at,
            remind_at=delivered_at + policy.remind_after,
            reveal_at=delivered_at + policy.reveal_after,
            closes_at=delivered_at + policy.window,
        )

    def subject_of(self, author_id: str) -> tuple[SubjectRole, str] | None:
        """The role and id of the person ``author_id`` rates on this order (None: not a party)."""
        if author_id == self.buyer_id:
            return "seller", self.seller_id
        if author_id == self.seller_id:
            return "buyer", self.buyer_id
        return None


@dataclass(frozen=True)
class Feedback:
    feedback_id: str
    order_id: str
    author_id: str
    subject_id: str
    subject_role: SubjectRole
    overall: Overall
    comment: str
    ratings: Ratings | None
    left_at: datetime
    revealed_at: datetime | None = None
    reply: str | None = None
    replied_at: datetime | None = None
    removed_at: datetime | None = None
    removal_reason: str | None = None
    idempotency_key: str | None = None
    request_hash: str | None = None

    @property
    def counts(self) -> bool:
        """Whether it counts in the subject's profile: revealed and not removed."""
        return self.revealed_at is not None and self.removed_at is None

    def visible_to(self, user_id: str | None) -> bool:
        """The author always sees their own; anyone else once revealed (and not removed)."""
        return user_id == self.author_id or self.counts


@dataclass(frozen=True)
class WindowCheck:
    next: NextStep
    #: seconds until the next deadline (the reminder, else the reveal); at least 1 (a Task's timeout)
    wait_s: int


def next_step(
    window: FeedbackWindow, left: frozenset[SubjectRole], now: datetime, *, reminder_failed: bool
) -> WindowCheck:
    """What the feedback window does next: reveal once both left or the period is over; remind
    once at its time (unless the reminder failed: it is not tried forever); else wait."""
    if window.revealed_at is not None or left >= {"seller", "buyer"} or now >= window.reveal_at:
        return WindowCheck(next="reveal", wait_s=1)
    remind_pending = window.reminded_at is None and not reminder_failed
    if remind_pending and now >= window.remind_at:
        return WindowCheck(next="remind", wait_s=1)
    target = window.remind_at if remind_pending else window.reveal_at
    return WindowCheck(next="wait", wait_s=max(1, math.ceil((target - now).total_seconds())))


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it has fewer)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last = (next_month - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week (repeat feedback from one rater counts once a week)."""
    return day - timedelta(days=day.weekday())
