"""The messaging service with fakes for its ports: who sees what, masking, live delivery and
gone connections, the missed-message quiet period, blocks, reports."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.fakes.clock import FakeClock
from tests.unit.messaging import fakes
from workflows.catalog.errors import ListingNotFound
from workflows.messaging.commands import (
    MarkRead,
    ReportConversation,
    ResolveReport,
    SendMessage,
    StartConversation,
)
from workflows.messaging.errors import (
    Blocked,
    CannotMessageYourself,
    ConversationNotFound,
    RateLimited,
    ReportAlreadyResolved,
)
from workflows.messaging.events import MessageSent
from workflows.messaging.ports import ListingSubject
from workflows.messaging.ratelimits import Limits
from workflows.messaging.service import MessagingDeps, MessagingService, Policy
from workflows.shared.errors import AdminOnly, IdempotencyKeyReused
from workflows.shared.identity import Caller

BUYER = Caller("buyer-1", "b@example.com", frozenset({"buyer"}))
SELLER = Caller("seller-1", "s@example.com", frozenset({"buyer", "seller"}))
STRANGER = Caller("eve-1", "e@example.com", frozenset({"buyer"}))
ADMIN = Caller("admin-1", "a@example.com", frozenset({"admin"}))


@dataclass
class World:
    service: MessagingService
    deps: MessagingDeps
    clock: FakeClock
    pusher: fakes.Pusher
    timer: fakes.Timer
    notices: fakes.Published
    events: fakes.Published
    waits: fakes.Waits
    orders: fakes.Orders


@pytest.fixture
def world() -> World:
    clock, pusher, timer = FakeClock(), fakes.Pusher(), fakes.Timer()
    notices, events, waits, orders = fakes.Published(), fakes.Published(), fakes.Waits(), fakes.Orders()
    deps = MessagingDeps(
        conversations=fakes.Conversations(),
        messages=fakes.Messages(),
        unread=fakes.Unread(),
        blocks=fakes.Blocks(),
        reports=fakes.Reports(),
        images=fakes.PendingImages(),
        rates=fakes.Rates(),
        connections=fakes.Connections(),
        pusher=pusher,
        orders=orders,
        listings=fakes.Listings({"l-1": ListingSubject("l-1", SELLER.user_id, "Road bike")}),
        people=fakes.People(
            {BUYER.user_id: "Ada L.", SELLER.user_id: "Grace H.", STRANGER.user_id: "Eve S."}
        ),
        timer=timer,
        notifications=notices,
        events=events,
        clock=clock,
        waits=waits,
        responder=waits,
        policy=Policy(limits=Limits(per_minute=5, per_day=50), notice_delay_s=600),
    )
    return World(MessagingService(deps), deps, clock, pusher, timer, notices, events, waits, orders)


def _ask(world: World, body: str = "Still for sale?", key: str | None = None) -> str:
    return world.service.start_about_listing(
        BUYER, StartConversation(listing_id="l-1", body=body), key
    ).conversation_id


def _connect(world: World, who: Caller, connection_id: str) -> None:
    world.service.connect(who.user_id, connection_id)
    world.pusher.open.add(connection_id)


def test_given_a_question_then_only_the_two_participants_see_the_conversation(world: World) -> None:
    conversation_id = _ask(world)
    assert world.service.get_conversation(SELLER, conversation_id).other_party.public_name == "Ada L."
    with pytest.raises(ConversationNotFound):
        world.service.get_conversation(STRANGER, conversation_id)
    with pytest.raises(ConversationNotFound):
        world.service.send(STRANGER, conversation_id, SendMessage(body="hi"))
    with pytest.raises(CannotMessageYourself):
        world.service.start_about_listing(SELLER, StartConversation(listing_id="l-1", body="me?"))
    with pytest.raises(ListingNotFound):
        world.service.start_about_listing(BUYER, StartConversation(listing_id="nope", body="?"))
    assert _ask(world, "again") == conversation_id
    assert isinstance(world.events.items[0], MessageSent)


def test_given_a_key_then_a_retried_send_posts_once_and_another_body_is_refused(world: World) -> None:
    conversation_id = _ask(world)
    first = world.service.send(BUYER, conversation_id, SendMessage(body="Friday?"), "k-1")
    again = world.service.send(BUYER, conversation_id, SendMessage(body="Friday?"), "k-1")
    assert first.created and not again.created and first.view == again.view
    with pytest.raises(IdempotencyKeyReused):
        world.service.send(BUYER, conversation_id, SendMessage(body="Saturday?"), "k-1")
    assert world.deps.unread.total(SELLER.user_id) == 2  # the question and one Friday


def test_given_no_order_then_the_recipient_sees_it_masked_and_after_an_order_not(world: World) -> None:
    conversation_id = _ask(world, "mail ada@example.com")
    seen = world.service.messages(SELLER, conversation_id, limit=10, cursor=None, ascending=True).items[0]
    mine = world.service.messages(BUYER, conversation_id, limit=10, cursor=None, ascending=True).items[0]
    assert seen.body == "mail [email hidden]" and seen.masked
    assert mine.body == "mail ada@example.com" and mine.masked and mine.masked_kinds == ["email"]
    world.orders.between.add(frozenset({BUYER.user_id, SELLER.user_id}))
    world.service.send(BUYER, conversation_id, SendMessage(body="mail ada@example.com"))
    latest = world.service.messages(SELLER, conversation_id, limit=1, cursor=None, ascending=False).items[0]
    assert latest.body == "mail ada@example.com" and not latest.masked


def test_given_open_connections_then_a_message_is_pushed_to_the_recipient_and_other_devices(
    world: World,
) -> None:
    _connect(world, SELLER, "s-phone")
    _connect(world, SELLER, "s-laptop")
    _connect(world, BUYER, "b-phone")
    _connect(world, BUYER, "b-laptop")
    conversation_id = _ask(world)
    world.pusher.frames.clear()
    world.service.send(BUYER, conversation_id, SendMessage(body="ping"), from_connection="b-phone")
    assert {c for c, f in world.pusher.frames if f["type"] == "message.created"} == {
        "s-phone",
        "s-laptop",
        "b-laptop",
    }
    assert world.timer.started == {}  # the seller was reached live: no quiet period


def test_given_a_gone_connection_then_the_push_removes_it_and_the_recipient_counts_as_offline(
    world: World,
) -> None:
    world.service.connect(SELLER.user_id, "s-stale")  # recorded, but the socket is gone
    conversation_id = _ask(world)
    assert world.deps.connections.get("s-stale") is None
    (started,) = world.timer.started.values()
    assert started["recipient_id"] == SELLER.user_id and started["delay_s"] == 600
    assert started["conversation_id"] == conversation_id


def test_given_expired_connections_then_they_are_not_pushed_to(world: World) -> None:
    _connect(world, SELLER, "s-old")
    world.clock.advance(seconds=7_200)
    _ask(world)
    assert world.pusher.to("s-old") == []


def test_given_a_quiet_period_then_one_runs_per_conversation_and_recipient(world: World) -> None:
    conversation_id = _ask(world)
    world.service.send(BUYER, conversation_id, SendMessage(body="two"))
    world.service.send(BUYER, conversation_id, SendMessage(body="three"))
    assert len(world.timer.started) == 1
    (payload,) = world.timer.started.values()
    sent = world.service.send_missed_notice(conversation_id, SELLER.user_id, payload["since_seq"])
    assert sent.outcome == "notified" and sent.unread_count == 3
    (notice,) = world.notices.items
    assert notice.category == "messages" and notice.user_id == SELLER.user_id
    assert notice.data["sender_name"] == "Ada L." and notice.data["first_line"] == "Still for sale?"
    assert "b@example.com" not in str(notice.model_dump())
    # the period ended with the notice: the next message starts a new one
    world.service.send(BUYER, conversation_id, SendMessage(body="four"))
    assert len(world.timer.started) == 2


def test_given_the_recipient_reads_then_the_wait_is_resumed_and_the_notice_says_read(world: World) -> None:
    conversation_id = _ask(world)
    (payload,) = world.timer.started.values()
    first = world.service.messages(SELLER, conversation_id, limit=1, cursor=None, ascending=True).items[0]
    world.waits.tokens[f"missed_message:{payload['wait_key']}"] = "token-1"
    marker = world.service.mark_read(SELLER, conversation_id, MarkRead(up_to=first.message_id))
    assert marker.unread_count == 0 and world.deps.unread.total(SELLER.user_id) == 0
    assert [token for token, _ in world.waits.resumed] == ["token-1"]
    assert (
        world.service.send_missed_notice(conversation_id, SELLER.user_id, payload["since_seq"]).outcome
        == "read"
    )
    assert world.notices.items == []


def test_given_the_recipient_connected_meanwhile_then_no_notice(world: World) -> None:
    conversation_id = _ask(world)
    (payload,) = world.timer.started.values()
    _connect(world, SELLER, "s-1")
    assert (
        world.service.send_missed_notice(conversation_id, SELLER.user_id, payload["since_seq"]).outcome
        == "online"
    )
    assert world.notices.items == []


def test_given_a_block_either_way_then_nothing_passes(world: World) -> None:
    conversation_id = _ask(world)
    world.service.block(SELLER, BUYER.user_id)
    for who in (BUYER, SELLER):
        with pytest.raises(Blocked):
            world.service.send(who, conversation_id, SendMessage(body="hello"))
    world.service.unblock(SELLER, BUYER.user_id)
    world.service.send(BUYER, conversation_id, SendMessage(body="hello"))


def test_given_a_flood_then_rate_limited(world: World) -> None:
    conversation_id = _ask(world)
    for n in range(4):
        world.service.send(BUYER, conversation_id, SendMessage(body=f"n{n}"))
    with pytest.raises(RateLimited):
        world.service.send(BUYER, conversation_id, SendMessage(body="one too many"))


def test_given_a_report_then_only_admins_resolve_it_once(world: World) -> None:
    conversation_id = _ask(world)
    report = world.service.report(SELLER, conversation_id, ReportConversation(reason="scam"))
    assert (
        world.service.report(SELLER, conversation_id, ReportConversation(reason="spam")).report_id
        == report.report_id
    )
    with pytest.raises(AdminOnly):
        world.service.resolve_report(SELLER, report.report_id, ResolveReport(resolution="no_action"))
    done = world.service.resolve_report(ADMIN, report.report_id, ResolveReport(resolution="warned"))
    assert done.status == "resolved"
    with pytest.raises(ReportAlreadyResolved):
        world.service.resolve_report(ADMIN, report.report_id, ResolveReport(resolution="suspended"))
