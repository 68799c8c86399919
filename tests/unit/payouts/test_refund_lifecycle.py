"""A granted refund followed to its end (``workflows.fulfilment.refunds``), with in-memory books:
whatever Stripe's refund does (settles, fails, both) and however its events come (any order,
repeated, stale), the ledger posts each settlement once, stays balanced, and a failure is
reversed and reported to the admins once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.orders.builders import an_order
from tests.unit.payouts.fakes import FakeBooks, RecordingPublisher
from workflows.fulfilment.ports import RefundState
from workflows.fulfilment.refunds import RefundSettlement
from workflows.ledger import entries
from workflows.ledger.errors import InvalidMovement, RefundMismatch
from workflows.ledger.invariants import OrderTotals, order_is_settled_correctly
from workflows.shared.errors import ContractError, TransientError
from workflows.shared.money import Money

ADMIN = "admins@resale.example"
EVENT_TYPES = ("refund.updated", "charge.refund.updated", "refund.failed")


@dataclass
class StripeRefunds:
    """Stripe's side: the refund as it is now (what the consumer re-reads)."""

    refunds: dict[str, RefundState]

    def retrieve(self, refund_id: str) -> RefundState | None:
        return self.refunds.get(refund_id)


def world(*, unit_price: int = 2500, recorded: bool = True, order_id: str | None = "order"):
    books = FakeBooks()
    order = an_order("buyer-1", "seller-1", unit_price=unit_price, status="cancelled")
    books.state.orders[order.order_id] = order
    amounts = order.amounts()
    books.ledger.post(entries.payment_captured(amounts, "ch_1"))
    books.ledger.post(entries.fee_recognized(amounts))
    if recorded:
        books.ledger.post(entries.refund(amounts, "re_1", order.gross, Money.zero(order.currency)))
    state = RefundState(
        refund_id="re_1",
        status="pending",
        amount=order.gross,
        order_id=order.order_id if order_id else None,
        payment_intent_id="pi_0",
    )
    stripe = StripeRefunds({"re_1": state})
    sent = RecordingPublisher()
    service = RefundSettlement(books=books, refunds=stripe, notifications=sent, admin_email=ADMIN)
    return books, order, stripe, sent, service


def deliver(service: RefundSettlement, event_type: str, payload: dict[str, Any] | None = None) -> Any:
    return service.on_refund_event(event_type, payload or {"id": "re_1", "object": "refund"})


def kinds(books: FakeBooks, order_id: str) -> list[str]:
    return [e.kind for e in books.ledger.entries.values() if e.order_id == order_id]


# the stories Stripe can tell: the statuses the refund goes through after "pending"
STORIES = {
    "succeeds": ("succeeded",),
    "fails": ("failed",),
    "succeeds_then_fails": ("succeeded", "failed"),
    "is_canceled": ("canceled",),
}


@settings(max_examples=120, deadline=None)
@given(
    story=st.sampled_from(sorted(STORIES)),
    unit_price=st.integers(min_value=1, max_value=5_000_000),
    deliveries=st.lists(
        st.tuples(st.integers(min_value=0, max_value=2), st.sampled_from(EVENT_TYPES)), min_size=1, max_size=8
    ),
)
def test_given_any_story_and_any_deliveries_then_each_settlement_once_and_the_books_balance(
    story: str, unit_price: int, deliveries: list[tuple[int, str]]
) -> None:
    books, order, stripe, sent, service = world(unit_price=unit_price)
    statuses = STORIES[story]
    # Given Stripe's refund moves through the story's statuses, with events delivered while it
    # is at any step of it (an event from step i is read while Stripe is already at step >= i)
    for step, status in enumerate(statuses):
        stripe.refunds["re_1"] = replace(stripe.refunds["re_1"], status=status)  # type: ignore[arg-type]
        for at, event_type in [*deliveries, (step, "refund.updated")]:
            if at <= step:
                deliver(service, event_type)
    # Then the ledger says what Stripe finally did, each entry once, balanced and consistent
    posted = kinds(books, order.order_id)
    assert len(posted) == len(set(posted)), posted
    all_entries = [e for e in books.ledger.entries.values() if e.order_id == order.order_id]
    assert order_is_settled_correctly(all_entries)
    totals = OrderTotals.of(all_entries)
    failed = statuses[-1] in ("failed", "canceled")
    if failed:
        # the refund reversed: the net and the fee are back, nothing refunded
        assert (totals.refunds, totals.seller_net, totals.fees) == (
            0,
            order.seller_net.amount_minor,
            order.fee_total.amount_minor,
        )
        assert ("refund_returned" in posted) == ("refund_paid" in posted)
        # ... and the admins hear of it once (one notification id, however many deliveries)
        (notification,) = sent.sent.values()
        assert (notification.email, notification.type) == (ADMIN, "admin.refund_failed")
        assert notification.data["order_id"] == order.order_id
    else:
        assert posted == ["payment", "fee", "refund", "refund_paid"]
        assert totals.refunds == order.gross.amount_minor
        assert sent.sent == {}
    assert books.ledger.balance("refunds", order.currency).amount_minor == (
        0 if failed or "refund_paid" in posted else -order.gross.amount_minor
    )


def test_given_a_pending_refund_when_an_event_comes_then_nothing_is_posted_yet() -> None:
    books, order, _, sent, service = world()
    assert deliver(service, "refund.updated").outcome == "pending"
    assert kinds(books, order.order_id) == ["payment", "fee", "refund"]
    assert sent.sent == {}


def test_given_the_cancellation_not_committed_yet_when_the_refund_settles_then_transient() -> None:
    # Given Stripe settled a refund whose cancellation has not recorded it yet (its event came first)
    books, order, stripe, _, service = world(recorded=False)
    stripe.refunds["re_1"] = replace(stripe.refunds["re_1"], status="succeeded")
    # Then the event is retried later, and nothing is posted now
    with pytest.raises(TransientError):
        deliver(service, "refund.updated")
    assert kinds(books, order.order_id) == ["payment", "fee"]
    # When the cancellation commits, the retry posts refund_paid
    amounts = order.amounts()
    books.ledger.post(entries.refund(amounts, "re_1", order.gross, Money.zero(order.currency)))
    assert deliver(service, "refund.updated").posted == ("refund_paid",)


def test_given_stripe_and_the_ledger_disagree_on_the_amount_then_nothing_is_posted() -> None:
    books, order, stripe, _, service = world()
    stripe.refunds["re_1"] = replace(stripe.refunds["re_1"], status="succeeded", amount=Money(1, "USD"))
    with pytest.raises(RefundMismatch):
        deliver(service, "refund.updated")
    assert kinds(books, order.order_id) == ["payment", "fee", "refund"]


def test_given_a_checkouts_refund_without_an_order_when_it_fails_then_only_reported() -> None:
    books, order, stripe, sent, service = world(recorded=False, order_id=None)
    stripe.refunds["re_1"] = replace(stripe.refunds["re_1"], status="failed", failure_reason="declined")
    result = deliver(service, "refund.failed")
    assert (result.outcome, result.posted) == ("reported", ())
    (notification,) = sent.sent.values()
    assert notification.data["failure_reason"] == "declined"
    assert kinds(books, order.order_id) == ["payment", "fee"]


def test_given_an_event_that_is_not_about_a_refund_then_a_contract_error() -> None:
    *_, service = world()
    with pytest.raises(ContractError):
        deliver(service, "refund.updated", {"id": "tr_1"})
    with pytest.raises(ContractError):
        deliver(service, "transfer.created")


def test_given_a_refund_stripe_does_not_know_then_ignored() -> None:
    books, order, _, _, service = world()
    assert deliver(service, "refund.updated", {"id": "re_unknown"}).outcome == "ignored"
    assert kinds(books, order.order_id) == ["payment", "fee", "refund"]


def test_given_an_entry_that_is_not_the_refunds_when_reversed_as_failed_then_refused() -> None:
    books, order, *_ = world()
    fee = books.ledger.entries[entries.entry_id("fee", order.order_id)]
    granted = books.ledger.entries[entries.entry_id("refund", "re_1")]
    with pytest.raises(InvalidMovement):
        entries.refund_failed(fee, "re_1")
    with pytest.raises(InvalidMovement):
        entries.refund_failed(granted, "re_2")
    reversed_ = entries.refund_failed(granted, "re_1")
    assert sorted(p.amount.amount_minor for p in reversed_.postings) == sorted(
        -p.amount.amount_minor for p in granted.postings
    )
