"""Leaving feedback, the feedback window's steps, replies, moderation, and the public profile.

:class:`FeedbackService` is the write side and the window's steps (rules: ``workflows.feedback.model``);
:class:`SellerProfiles` is the read side: the projection's consumer and the public reads. Every
effect after a commit (events, the window's resumption, notifications) has an id derived from the
business key, so a retried request or step repeats it harmlessly.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from workflows.feedback.contracts import FeedbackChecked, FeedbackRevealedStep, RemindersSent
from workflows.feedback.errors import (
    FeedbackAlreadyLeft,
    FeedbackAlreadyReplied,
    FeedbackNotFound,
    FeedbackNotOpen,
    FeedbackNotRevealed,
    FeedbackWasRemoved,
    FeedbackWindowClosed,
    FeedbackWindowMissing,
    MemberNotFound,
    OnlyTheRatedReplies,
    RatingsForBuyersOnly,
    RatingsRequired,
    SellerFeedbackPositiveOnly,
)
from workflows.feedback.events import FeedbackLeft, FeedbackRemoved, FeedbackReplied, FeedbackRevealed
from workflows.feedback.model import (
    CLOSED_STATUSES,
    Feedback,
    FeedbackWindow,
    Ratings,
    correlation_id,
    execution_name,
    feedback_id_for,
    next_step,
)
from workflows.feedback.ports import ProfileFigures
from workflows.feedback.projection import Profile, figures, window_starts
from workflows.feedback.views import (
    FeedbackPage,
    FeedbackView,
    FeedbackWindowView,
    OrderFeedbackView,
    PendingFeedbackPage,
    PendingFeedbackView,
    SellerProfileView,
)
from workflows.notifications.model import Notification
from workflows.orders.errors import OrderNotFound
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import IdempotencyKeyReused
from workflows.shared.ids import derived_id
from workflows.shared.waits import OutsideEvent, deliver_event

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.feedback.commands import LeaveFeedbackRequest, RemoveFeedbackRequest, ReplyRequest
    from workflows.feedback.events import FeedbackEvent
    from workflows.feedback.model import FeedbackPolicy, SubjectRole
    from workflows.feedback.ports import (
        DeliveredOrder,
        ExecutionStarter,
        FeedbackReads,
        FeedbackStore,
        ListingRatings,
        ProfileProjection,
        StoreFactory,
    )
    from workflows.fulfilment.events import OrderDelivered
    from workflows.notifications.model import NotificationPublisher
    from workflows.shared.clock import Clock
    from workflows.shared.events import EventPublisher
    from workflows.shared.identity import Caller
    from workflows.shared.waits import TaskResponder, WaitingTasks


def request_hash(request: LeaveFeedbackRequest) -> str:
    """What an ``Idempotency-Key`` is compared with: the request, canonically."""
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _party(order: DeliveredOrder | None, caller: Caller) -> DeliveredOrder:
    if order is None or caller.user_id not in (order.buyer_id, order.seller_id):
        raise OrderNotFound("No such order.")
    return order


def _ratings(request: LeaveFeedbackRequest, subject_role: SubjectRole) -> Ratings | None:
    """The rules a request must keep for its author's role (a 400 when it does not)."""
    if subject_role == "buyer":
        if request.overall != "positive":
            raise SellerFeedbackPositiveOnly(
                "A seller can only leave positive feedback for a buyer.",
                details={"overall": request.overall, "allowed": ["positive"]},
            )
        if request.ratings is not None:
            raise RatingsForBuyersOnly("Detailed ratings are the buyer's to give; a seller sends none.")
        return None
    if request.ratings is None:
        raise RatingsRequired(
            "A buyer's feedback rates item_as_described, communication, shipping_time and "
            "shipping_cost, 1 to 5 each."
        )
    r = request.ratings
    return Ratings(r.item_as_described, r.communication, r.shipping_time, r.shipping_cost)


@dataclass(frozen=True)
class Left:
    """What leaving feedback answers, and whether this request created it (False: a replay)."""

    view: FeedbackView
    created: bool


def _page_after(cursor: str | None) -> tuple[datetime, str] | None:
    return decode_cursor(cursor) if cursor else None


@dataclass
class FeedbackService:
    store: StoreFactory
    reads: FeedbackReads
    events: EventPublisher
    notifications: NotificationPublisher
    waiting: WaitingTasks
    responder: TaskResponder
    clock: Clock
    policy: FeedbackPolicy
    starter: ExecutionStarter

    # -- leaving feedback ------------------------------------------------------------------

    def leave(
        self, caller: Caller, order_id: str, request: LeaveFeedbackRequest, idempotency_key: str | None
    ) -> Left:
        """Once per order per party, after delivery and within the window; hidden until the reveal."""
        digest = request_hash(request)
        now = self.clock.now()
        with self.store() as store:
            order = _party(store.order(order_id), caller)
            subject_role: SubjectRole = "seller" if caller.user_id == order.buyer_id else "buyer"
            ratings = _ratings(request, subject_role)
            existing = store.get(feedback_id_for(order_id, subject_role))
            if existing is not None:
                if idempotency_key is not None and existing.idempotency_key == idempotency_key:
                    if existing.request_hash != digest:
                        raise IdempotencyKeyReused(
                            "This Idempotency-Key was used with another body.",
                            details={"feedback_id": existing.feedback_id},
                        )
                    replayed = existing
                else:
                    raise FeedbackAlreadyLeft(
                        "You left feedback on this order already.",
                        details={"feedback_id": existing.feedback_id},
                    )
            else:
                replayed = None
                window = self._open(store, order, now)
                if now >= window.closes_at:
                    raise FeedbackWindowClosed(
                        "The window for feedback on this order has ended.",
                        details={"closed_at": window.closes_at.isoformat()},
                    )
                subject_id = order.seller_id if subject_role == "seller" else order.buyer_id
                store.add(
                    Feedback(
                        feedback_id=feedback_id_for(order_id, subject_role),
                        order_id=order_id,
                        author_id=caller.user_id,
                        subject_id=subject_id,
                        subject_role=subject_role,
                        overall=request.overall,
                        comment=request.comment,
                        ratings=ratings,
                        left_at=now,
                        # after the reveal, feedback is visible at once
                        revealed_at=now if window.revealed_at is not None else None,
                        idempotency_key=idempotency_key,
                        request_hash=digest,
                    )
                )
            feedback = store.get(feedback_id_for(order_id, subject_role))
            assert feedback is not None
        self._after_leaving(feedback, order)
        return Left(view=FeedbackView.of(feedback), created=replayed is None)

    def _open(self, store: FeedbackStore, order: DeliveredOrder, now: datetime) -> FeedbackWindow:
        if order.delivered_at is None:
            raise FeedbackNotOpen(
                "Feedback opens once the order's delivery is confirmed.", details={"status": order.status}
            )
        if order.status in CLOSED_STATUSES:
            raise FeedbackNotOpen(
                f"This order was {order.status}: it takes no feedback.", details={"status": order.status}
            )
        return store.open_window(
            FeedbackWindow.opened(
                order.order_id, order.buyer_id, order.seller_id, order.delivered_at, self.policy
            )
        )

    def _after_leaving(self, feedback: Feedback, order: DeliveredOrder) -> None:
        events: list[FeedbackEvent] = [_event(FeedbackLeft, feedback, overall=feedback.overall)]
        if feedback.revealed_at is not None:
            events.append(_event(FeedbackRevealed, feedback, overall=feedback.overall))
        self.events.publish(*events)
        if feedback.revealed_at is None:
            # the window waits for both parties: tell it one more has left theirs
            resumed = OutsideEvent(
                event_id=derived_id("feedback", feedback.feedback_id, "left"),
                event_type="feedback.left",
                correlation_id=correlation_id(feedback.order_id),
                occurred_at=int(feedback.left_at.timestamp()),
            )
            deliver_event(self.waiting, self.responder, resumed, now=int(self.clock.now().timestamp()))
        self._notify(
            "received",
            feedback.subject_id,
            feedback.feedback_id,
            {
                "order_id": feedback.order_id,
                "title": order.title,
                "visibility": "It is visible now."
                if feedback.revealed_at is not None
                else "It stays hidden until you leave yours, or until the reveal date.",
            },
        )

    # -- what a party sees ---------------------------------------------------------------------

    def order_feedback(self, caller: Caller, order_id: str) -> OrderFeedbackView:
        with self.store() as store:
            order = _party(store.order(order_id), caller)
            window = store.window(order_id)
            entries = store.of_order(order_id)
        mine = next((f for f in entries if f.author_id == caller.user_id), None)
        theirs = next((f for f in entries if f.author_id != caller.user_id), None)
        return OrderFeedbackView(
            order_id=order.order_id,
            window=FeedbackWindowView.of(window) if window else None,
            mine=FeedbackView.of(mine) if mine else None,
            theirs=FeedbackView.of(theirs) if theirs and theirs.counts else None,
            other_party_left=theirs is not None,
        )

    def pending(self, caller: Caller, *, limit: int, cursor: str | None) -> PendingFeedbackPage:
        rows = self.reads.pending(
            caller.user_id, self.clock.now(), limit=limit + 1, after=_page_after(cursor)
        )
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1] if more else None
        return PendingFeedbackPage(
            items=[PendingFeedbackView.of(r) for r in rows],
            next_cursor=encode_cursor(last.closes_at, last.order_id) if last else None,
        )

    # -- replies and moderation ----------------------------------------------------------------

    def reply(self, caller: Caller, feedback_id: str, request: ReplyRequest) -> FeedbackView:
        """The person rated replies once, after the reveal (the same reply again answers the same)."""
        with self.store() as store:
            feedback = store.get(feedback_id, for_update=True)
            party = feedback is not None and caller.user_id in (feedback.author_id, feedback.subject_id)
            if feedback is None or not (party or feedback.counts):
                raise FeedbackNotFound("No such feedback.")
            if feedback.removed_at is not None:
                raise FeedbackWasRemoved("This feedback was removed: it takes no reply.")
            if caller.user_id != feedback.subject_id:
                raise OnlyTheRatedReplies("Only the person this feedback is about can reply to it.")
            if feedback.revealed_at is None:
                raise FeedbackNotRevealed(
                    "You can reply once the feedback is revealed.", details={"feedback_id": feedback_id}
                )
            if feedback.reply is not None:
                if feedback.reply == request.body:
                    return FeedbackView.of(feedback)
                raise FeedbackAlreadyReplied("You replied to this feedback already.")
            store.set_reply(feedback_id, request.body, self.clock.now())
            replied = store.get(feedback_id)
            assert replied is not None
        self.events.publish(_event(FeedbackReplied, replied))
        self._notify("replied", replied.author_id, replied.feedback_id, {"order_id": replied.order_id})
        return FeedbackView.of(replied)

    def remove(self, caller: Caller, feedback_id: str, request: RemoveFeedbackRequest) -> FeedbackView:
        """An admin removes feedback that breaks the policy: it stops counting; both parties are told."""
        caller.require("admin")
        with self.store() as store:
            feedback = store.get(feedback_id, for_update=True)
            if feedback is None:
                raise FeedbackNotFound("No such feedback.")
            if feedback.removed_at is None:
                store.remove(feedback_id, by=caller.user_id, reason=request.reason, at=self.clock.now())
                feedback = store.get(feedback_id)
                assert feedback is not None
        reason = feedback.removal_reason or request.reason
        self.events.publish(_event(FeedbackRemoved, feedback, reason=reason))
        for user_id in (feedback.author_id, feedback.subject_id):
            self._notify(
                "removed", user_id, feedback.feedback_id, {"order_id": feedback.order_id, "reason": reason}
            )
        return FeedbackView.of(feedback, for_admin=True)

    # -- the feedback window ---------------------------------------------------------------------

    def on_order_delivered(self, event: OrderDelivered) -> dict[str, Any]:
        """Start the order's feedback window (named by the order: a redelivery starts nothing)."""
        name = execution_name(event.order_id)
        started = self.starter.start(name, {"order_id": event.order_id, "reminder_failed": False})
        return {"order_id": event.order_id, "execution": name, "started": started}

    def check_window(self, order_id: str, *, reminder_failed: bool) -> FeedbackChecked:
        """Open the window (once) and say what it does next: wait, remind, or reveal."""
        now = self.clock.now()
        with self.store() as store:
            order = store.order(order_id)
            if order is None or order.delivered_at is None:
                raise FeedbackWindowMissing(f"order {order_id} has no recorded delivery")
            window = store.open_window(
                FeedbackWindow.opened(
                    order_id, order.buyer_id, order.seller_id, order.delivered_at, self.policy
                )
            )
            left = frozenset(f.subject_role for f in store.of_order(order_id))
        decided = next_step(window, left, now, reminder_failed=reminder_failed)
        return FeedbackChecked(next=decided.next, wait_s=decided.wait_s, left=len(left))

    def send_reminder(self, order_id: str) -> RemindersSent:
        """Once, midway: remind whoever has not left feedback (a retry sends the same notifications)."""
        with self.store() as store:
            window = store.window(order_id, for_update=True)
            if window is None:
                raise FeedbackWindowMissing(f"order {order_id} has no feedback window")
            if window.revealed_at is not None:
                return RemindersSent(reminded=0)
            if window.reminded_at is None:
                store.mark_reminded(order_id, self.clock.now())
            left = {f.author_id for f in store.of_order(order_id)}
            order = store.order(order_id)
        missing = [u for u in (window.buyer_id, window.seller_id) if u not in left]
        for user_id in missing:
            self._notify(
                "reminder",
                user_id,
                order_id,
                {
                    "order_id": order_id,
                    "title": order.title if order else order_id,
                    "reveal_at": window.reveal_at.strftime("%Y-%m-%d"),
                },
            )
        return RemindersSent(reminded=len(missing))

    def reveal(self, order_id: str) -> FeedbackRevealedStep:
        """Reveal the order's feedback exactly once; a retry announces the same events again."""
        with self.store() as store:
            window = store.window(order_id, for_update=True)
            if window is None:
                raise FeedbackWindowMissing(f"order {order_id} has no feedback window")
            first_time = window.revealed_at is None
            revealed_now = store.reveal(order_id, self.clock.now()) if first_time else []
            entries = [f for f in store.of_order(order_id) if f.revealed_at is not None]
        if entries:
            self.events.publish(*(_event(FeedbackRevealed, f, overall=f.overall) for f in entries))
        return FeedbackRevealedStep(revealed=len(revealed_now), first_time=first_time)

    # -- telling people --------------------------------------------------------------------------

    def _notify(self, kind: str, user_id: str, key: str, data: dict[str, Any]) -> None:
        self.notifications.publish(
            Notification(
                notification_id=derived_id("notification", f"feedback.{kind}", key, user_id),
                type=f"feedback.{kind}",
                category="orders",
                channels=("email",),
                user_id=user_id,
                data=data,
                reference=f"order:{data['order_id']}",
            )
        )


def _event(kind: type[FeedbackEvent], feedback: Feedback, **extra: Any) -> FeedbackEvent:
    return kind(
        event_id=kind.event_id_for(feedback.feedback_id),
        occurred_at=feedback.removed_at
        if kind is FeedbackRemoved and feedback.removed_at
        else feedback.replied_at
        if kind is FeedbackReplied and feedback.replied_at
        else feedback.revealed_at
        if kind is FeedbackRevealed and feedback.revealed_at
        else feedback.left_at,
        feedback_id=feedback.feedback_id,
        order_id=feedback.order_id,
        author_id=feedback.author_id,
        subject_id=feedback.subject_id,
        subject_role=feedback.subject_role,
        **extra,
    )


_NO_FIGURES = ProfileFigures(score=0, positive=0, neutral=0, negative=0, items_sold=0, days=())


@dataclass
class SellerProfiles:
    """The public profile: projected from events by :meth:`on_feedback_event` and
    :meth:`on_delivery`, read by :meth:`profile`, never computed from the feedback on a request."""

    projection: ProfileProjection
    reads: FeedbackReads
    clock: Clock
    listings: ListingRatings | None = None

    def profile(self, user_id: str) -> SellerProfileView:
        today = self.clock.now().date()
        found = self.projection.member_figures(user_id, window_starts(today))
        if found is None:
            raise MemberNotFound("No such member.")
        member, projected = found
        return SellerProfileView.of(Profile(member=member, figures=figures(projected or _NO_FIGURES, today)))

    def feedback_about(
        self, user_id: str, *, role: SubjectRole | None, limit: int, cursor: str | None
    ) -> FeedbackPage:
        if self.reads.member(user_id) is None:
            raise MemberNotFound("No such member.")
        rows = self.reads.revealed_about(user_id, role, limit=limit + 1, after=_page_after(cursor))
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1] if more else None
        return FeedbackPage(
            items=[FeedbackView.of(replace(f, removal_reason=None)) for f in rows],
            next_cursor=encode_cursor(last.revealed_at, last.feedback_id)
            if last and last.revealed_at
            else None,
        )

    def on_feedback_event(self, event: FeedbackEvent) -> dict[str, Any]:
        changed = self.projection.sync_feedback(event.feedback_id, event.event_id)
        projected = self._onto_listings(changed) if changed is not None else 0
        return {"feedback_id": event.feedback_id, "changed": changed, "listings": projected}

    def on_listing_created(self, seller_id: str) -> dict[str, Any]:
        """A new listing carries its seller's figures from the start (the others have them)."""
        return {"seller_id": seller_id, "listings": self._onto_listings(seller_id)}

    def _onto_listings(self, user_id: str) -> int:
        """The member's score and percent positive onto their listings (browse shows them)."""
        if self.listings is None:
            return 0
        today = self.clock.now().date()
        projected = self.projection.figures(user_id, window_starts(today))
        if projected is None:
            return 0
        shown = figures(projected, today)
        return self.listings.set_seller_rating(user_id, shown.score, shown.percent_positive)

    def on_delivery(self, event: OrderDelivered) -> dict[str, Any]:
        counted = self.projection.record_delivery(
            event.event_id, event.order_id, event.seller_id, event.items
        )
        return {"order_id": event.order_id, "counted": counted}

    def rebuild(self) -> int:
        return self.projection.rebuild()
