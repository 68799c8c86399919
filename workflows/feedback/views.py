"""What the feedback routes answer: feedback (as its reader may see it), an order's feedback,
the pending list, and the public seller profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from workflows.feedback.model import Overall, SubjectRole  # noqa: TC001 - pydantic reads them
from workflows.feedback.projection import WINDOWS
from workflows.shared.views import Timestamp, View

if TYPE_CHECKING:
    from workflows.feedback.model import Feedback, FeedbackWindow
    from workflows.feedback.ports import PendingRow
    from workflows.feedback.projection import Profile

FeedbackStatus = Literal["hidden", "revealed", "removed"]


class RatingsView(View):
    item_as_described: int
    communication: int
    shipping_time: int
    shipping_cost: int


class AverageRatingsView(View):
    item_as_described: float
    communication: float
    shipping_time: float
    shipping_cost: float


class ReplyView(View):
    body: str
    replied_at: Timestamp


class FeedbackView(View):
    feedback_id: str
    order_id: str
    #: the role in the order of the person this feedback is about
    role: SubjectRole
    author_id: str
    subject_id: str
    overall: Overall
    comment: str
    ratings: RatingsView | None = None
    #: hidden: only its author sees it until the reveal
    status: FeedbackStatus
    left_at: Timestamp
    revealed_at: Timestamp | None = None
    reply: ReplyView | None = None
    removed_at: Timestamp | None = None
    removal_reason: str | None = None

    @classmethod
    def of(cls, feedback: Feedback, *, for_admin: bool = False) -> FeedbackView:
        removed = feedback.removed_at is not None
        status: FeedbackStatus = (
            "removed" if removed else "revealed" if feedback.revealed_at is not None else "hidden"
        )
        r = feedback.ratings
        return cls(
            feedback_id=feedback.feedback_id,
            order_id=feedback.order_id,
            role=feedback.subject_role,
            author_id=feedback.author_id,
            subject_id=feedback.subject_id,
            overall=feedback.overall,
            comment=feedback.comment,
            ratings=RatingsView(
                item_as_described=r.item_as_described,
                communication=r.communication,
                shipping_time=r.shipping_time,
                shipping_cost=r.shipping_cost,
            )
            if r
            else None,
            status=status,
            left_at=feedback.left_at,
            revealed_at=feedback.revealed_at,
            reply=ReplyView(body=feedback.reply, replied_at=feedback.replied_at)
            if feedback.reply and feedback.replied_at
            else None,
            removed_at=feedback.removed_at,
            removal_reason=feedback.removal_reason if for_admin or removed else None,
        )


class FeedbackWindowView(View):
    delivered_at: Timestamp
    #: the feedback is revealed then at the latest (earlier once both parties left theirs)
    reveal_at: Timestamp
    #: no feedback can be left after this
    closes_at: Timestamp
    revealed_at: Timestamp | None = None

    @classmethod
    def of(cls, window: FeedbackWindow) -> FeedbackWindowView:
        return cls(
            delivered_at=window.delivered_at,
            reveal_at=window.reveal_at,
            closes_at=window.closes_at,
            revealed_at=window.revealed_at,
        )


class OrderFeedbackView(View):
    """An order's feedback as one of its parties sees it: their own, and the other's once revealed."""

    order_id: str
    window: FeedbackWindowView | None = None
    mine: FeedbackView | None = None
    theirs: FeedbackView | None = None
    #: the other party left feedback (its content shows once revealed)
    other_party_left: bool


class PendingFeedbackView(View):
    order_id: str
    #: the role of the person the caller would rate
    role: SubjectRole
    counterpart_id: str
    title: str
    delivered_at: Timestamp
    #: the deadline: feedback can be left until then
    closes_at: Timestamp

    @classmethod
    def of(cls, row: PendingRow) -> PendingFeedbackView:
        return cls(
            order_id=row.order_id,
            role=row.role,
            counterpart_id=row.counterpart_id,
            title=row.title,
            delivered_at=row.delivered_at,
            closes_at=row.closes_at,
        )


class PendingFeedbackPage(View):
    items: list[PendingFeedbackView]
    next_cursor: str | None = None


class FeedbackPage(View):
    items: list[FeedbackView]
    next_cursor: str | None = None


class CountsView(View):
    positive: int
    neutral: int
    negative: int


class FeedbackCountsView(View):
    last_1_month: CountsView
    last_6_months: CountsView
    last_12_months: CountsView


class SellerProfileView(View):
    user_id: str
    display_name: str
    member_since: Timestamp
    #: positives minus negatives (one rater's repeat feedback counts once a week)
    score: int
    #: positives / (positives + negatives) over the last 12 months, in percent; None without any
    percent_positive: float | None = Field(default=None, ge=0, le=100)
    counts: FeedbackCountsView
    #: averages of the last 12 months, shown from 10 ratings on
    detailed_ratings: AverageRatingsView | None = None
    ratings_count: int
    items_sold: int

    @classmethod
    def of(cls, profile: Profile) -> SellerProfileView:
        f = profile.figures
        one, six, twelve = (
            CountsView(positive=c.positive, neutral=c.neutral, negative=c.negative)
            for c in (f.counts[m] for m in WINDOWS)
        )
        return cls(
            user_id=profile.member.user_id,
            display_name=profile.member.display_name,
            member_since=profile.member.member_since,
            score=f.score,
            percent_positive=f.percent_positive,
            counts=FeedbackCountsView(last_1_month=one, last_6_months=six, last_12_months=twelve),
            detailed_ratings=AverageRatingsView(**f.ratings) if f.ratings else None,
            ratings_count=f.rated,
            items_sold=f.items_sold,
        )
