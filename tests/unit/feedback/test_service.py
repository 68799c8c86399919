"""FeedbackService with hand-written fakes: who may leave what and when, the double-blind
reveal (exactly once), the reminder, replies and removal, and what each tells whom."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fakes.clock import FakeClock
from tests.unit.feedback.fakes import World
from workflows.feedback.commands import LeaveFeedbackRequest, RemoveFeedbackRequest, ReplyRequest
from workflows.feedback.errors import (
    FeedbackAlreadyLeft,
    FeedbackAlreadyReplied,
    FeedbackNotFound,
    FeedbackNotOpen,
    FeedbackNotRevealed,
    FeedbackWindowClosed,
    OnlyTheRatedReplies,
    RatingsForBuyersOnly,
    RatingsRequired,
    SellerFeedbackPositiveOnly,
)
from workflows.feedback.events import FeedbackLeft, FeedbackRemoved, FeedbackRevealed
from workflows.orders.errors import OrderNotFound
from workflows.shared.errors import AdminOnly, IdempotencyKeyReused
from workflows.shared.identity import Caller

BUYER = Caller("buyer-1", "b@example.com", frozenset({"buyer"}))
SELLER = Caller("seller-1", "s@example.com", frozenset({"buyer", "seller"}))
STRANGER = Caller("someone", "x@example.com", frozenset({"buyer"}))
ADMIN = Caller("admin-1", "a@example.com", frozenset({"admin"}))
RATINGS = {"item_as_described": 5, "communication": 4, "shipping_time": 5, "shipping_cost": 3}
FROM_BUYER = LeaveFeedbackRequest.model_validate(
    {"overall": "positive", "comment": "Great", "ratings": RATINGS}
)
FROM_SELLER = LeaveFeedbackRequest.model_validate({"overall": "positive", "comment": "Quick payment"})


@pytest.fixture
def world() -> World:
    w = World(FakeClock())
    w.delivered()
    return w


def test_given_a_delivered_order_when_the_buyer_leaves_feedback_then_it_is_hidden_and_the_window_told(
    world: World,
) -> None:
    left = world.service.leave(BUYER, "o-1", FROM_BUYER, None)
    assert left.created and left.view.status == "hidden" and left.view.subject_id == "seller-1"
    assert [type(e) for e in world.recorder.events] == [FeedbackLeft]
    assert world.types() == ["feedback.received"]
    assert world.recorder.notifications[0].user_id == "seller-1"
    # nobody waits yet: the event is kept for the window's next wait
    assert world.waiting.events["feedback:o-1"].event_type == "feedback.left"


@pytest.mark.parametrize(
    ("caller", "request_", "error"),
    [
        (STRANGER, FROM_BUYER, OrderNotFound),
        (SELLER, LeaveFeedbackRequest(overall="negative", comment="Late"), SellerFeedbackPositiveOnly),
        (SELLER, LeaveFeedbackRequest(overall="neutral", comment="Late"), SellerFeedbackPositiveOnly),
        (SELLER, FROM_BUYER, RatingsForBuyersOnly),
        (BUYER, FROM_SELLER, RatingsRequired),
    ],
)
def test_given_a_request_its_author_cannot_send_then_it_is_refused(
    world: World, caller: Caller, request_: LeaveFeedbackRequest, error: type[Exception]
) -> None:
    with pytest.raises(error):
        world.service.leave(caller, "o-1", request_, None)
    assert world.store.feedback == {} and world.recorder.events == []


@pytest.mark.parametrize("status", ["shipped", "refunded", "cancelled"])
def test_given_an_order_not_delivered_or_undone_then_feedback_is_not_open(status: str) -> None:
    world = World(FakeClock())
    world.delivered(status=status)
    with pytest.raises(FeedbackNotOpen):
        world.service.leave(BUYER, "o-1", FROM_BUYER, None)


def test_given_the_window_ended_then_feedback_is_refused(world: World) -> None:
    world.clock.advance(timedelta(days=60))
    with pytest.raises(FeedbackWindowClosed):
        world.service.leave(SELLER, "o-1", FROM_SELLER, None)


def test_given_feedback_left_then_once_per_party_and_a_key_replays_only_the_same_body(world: World) -> None:
    first = world.service.leave(BUYER, "o-1", FROM_BUYER, "key-1")
    replay = world.service.leave(BUYER, "o-1", FROM_BUYER, "key-1")
    assert replay.view == first.view and not replay.created
    with pytest.raises(IdempotencyKeyReused):
        world.service.leave(BUYER, "o-1", FROM_BUYER.model_copy(update={"comment": "Other"}), "key-1")
    with pytest.raises(FeedbackAlreadyLeft):
        world.service.leave(BUYER, "o-1", FROM_BUYER, None)


def test_given_both_left_then_the_window_reveals_exactly_once(world: World) -> None:
    world.service.leave(BUYER, "o-1", FROM_BUYER, None)
    world.service.leave(SELLER, "o-1", FROM_SELLER, None)
    assert world.service.check_window("o-1", reminder_failed=False).next == "reveal"
    first = world.service.reveal("o-1")
    again = world.service.reveal("o-1")
    assert (first.revealed, first.first_time) == (2, True)
    assert (again.revealed, again.first_time) == (0, False)
    revealed = [e for e in world.recorder.events if isinstance(e, FeedbackRevealed)]
    # a retry announces the same events (the same ids: the projection applies them once)
    assert len(revealed) == 4 and len({e.event_id for e in revealed}) == 2
    late = world.store.windows["o-1"]
    assert late.revealed_at == world.clock.now()


def test_given_the_reveal_happened_then_feedback_left_afterwards_is_visible_at_once(world: World) -> None:
    world.service.check_window("o-1", reminder_failed=False)
    world.clock.advance(timedelta(days=14))
    world.service.reveal("o-1")
    left = world.service.leave(SELLER, "o-1", FROM_SELLER, None)
    assert left.view.status == "revealed"
    assert [type(e) for e in world.recorder.events] == [FeedbackLeft, FeedbackRevealed]
    assert "feedback:o-1" not in world.waiting.events  # the window has ended: nothing to resume


def test_given_one_party_left_then_the_reminder_goes_to_the_other_once(world: World) -> None:
    world.service.leave(BUYER, "o-1", FROM_BUYER, None)
    world.clock.advance(timedelta(days=7))
    assert world.service.check_window("o-1", reminder_failed=False).next == "remind"
    assert world.service.send_reminder("o-1").reminded == 1
    assert world.service.send_reminder("o-1").reminded == 1  # a retry: the same notification id
    reminders = [n for n in world.recorder.notifications if n.type == "feedback.reminder"]
    assert {n.user_id for n in reminders} == {"seller-1"} and len({n.notification_id for n in reminders}) == 1
    checked = world.service.check_window("o-1", reminder_failed=False)
    assert (checked.next, checked.wait_s) == ("wait", 7 * 86_400)


def test_given_revealed_feedback_then_only_the_rated_replies_once(world: World) -> None:
    left = world.service.leave(BUYER, "o-1", FROM_BUYER, None)
    feedback_id = left.view.feedback_id
    with pytest.raises(FeedbackNotRevealed):
        world.service.reply(SELLER, feedback_id, ReplyRequest(body="Thanks"))
    with pytest.raises(FeedbackNotFound):
        world.service.reply(STRANGER, feedback_id, ReplyRequest(body="Hi"))
    world.service.check_window("o-1", reminder_failed=False)
    world.service.reveal("o-1")
    with pytest.raises(OnlyTheRatedReplies):
        world.service.reply(BUYER, feedback_id, ReplyRequest(body="Me"))
    replied = world.service.reply(SELLER, feedback_id, ReplyRequest(body="Thanks"))
    assert replied.reply is not None and replied.reply.body == "Thanks"
    assert world.service.reply(SELLER, feedback_id, ReplyRequest(body="Thanks")) == replied
    with pytest.raises(FeedbackAlreadyReplied):
        world.service.reply(SELLER, feedback_id, ReplyRequest(body="Again"))
    assert world.types()[-1] == "feedback.replied"


def test_given_an_admin_removes_feedback_then_it_stops_counting_and_both_are_told(world: World) -> None:
    left = world.service.leave(BUYER, "o-1", FROM_BUYER, None)
    with pytest.raises(AdminOnly):
        world.service.remove(SELLER, left.view.feedback_id, RemoveFeedbackRequest(reason="x"))
    removed = world.service.remove(ADMIN, left.view.feedback_id, RemoveFeedbackRequest(reason="Abuse"))
    assert (removed.status, removed.removal_reason) == ("removed", "Abuse")
    assert isinstance(world.recorder.events[-1], FeedbackRemoved)
    told = [n.user_id for n in world.recorder.notifications if n.type == "feedback.removed"]
    assert sorted(told) == ["buyer-1", "seller-1"]
    assert not world.store.feedback[left.view.feedback_id].counts


def test_given_order_delivered_twice_then_the_window_starts_once() -> None:
    from workflows.fulfilment.events import OrderDelivered

    world = World(FakeClock())
    event = OrderDelivered(
        event_id="e-1",
        occurred_at=world.clock.now(),
        order_id="o-1",
        buyer_id="buyer-1",
        seller_id="seller-1",
        delivered_by="buyer",
        items=2,
    )
    assert world.service.on_order_delivered(event)["started"] is True
    assert world.service.on_order_delivered(event)["started"] is False
    assert world.starter.started == {"feedback-o-1": {"order_id": "o-1", "reminder_failed": False}}
