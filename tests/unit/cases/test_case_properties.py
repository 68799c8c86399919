"""Property: whatever the sequence of sales, deliveries, payouts, cases (full and partial refunds,
returns, declines, escalations and admins' decisions, before or after the payout), sellers who
spent what they were sent, and later payouts repaying their debt, the ledger balances, every
order's money adds up, nobody is paid twice, and no seller ends up holding more than their net."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.cases.fakes import CaseWorld
from tests.unit.payouts.world import BUYER, SELLER, caller
from workflows.cases.commands import (
    AnswerOfferRequest,
    DecisionRequest,
    NoteRequest,
    OpenCaseRequest,
    RespondRequest,
    ReturnShipmentRequest,
)
from workflows.ledger.invariants import OrderTotals, all_balance, order_is_settled_correctly
from workflows.ledger.model import seller_receivable
from workflows.shared.errors import ResaleError
from workflows.shared.identity import Caller

ADMIN = Caller(user_id="admin-1", email="admin-1@example.com", roles=frozenset({"admin"}))

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(200, 20_000)),
        st.tuples(
            st.sampled_from(["deliver", "payout", "open", "escalate", "close", "spend", "tick"]),
            st.integers(0, 4),
        ),
        st.tuples(
            st.just("respond"),
            st.integers(0, 4),
            st.sampled_from(["full_refund", "partial_refund", "accept_return", "decline"]),
            st.integers(1, 99),
        ),
        st.tuples(st.just("answer"), st.integers(0, 4), st.booleans()),
        st.tuples(st.just("return"), st.integers(0, 4), st.booleans()),
        st.tuples(
            st.just("decide"),
            st.integers(0, 4),
            st.sampled_from(["refund_buyer", "refund_partial", "close_for_seller"]),
            st.integers(1, 99),
        ),
    ),
    max_size=30,
)


def _case_of(world: CaseWorld, order_id: str) -> str | None:
    found = [c for c in world.books.case_state.cases.values() if c.order_id == order_id]
    return found[-1].case_id if found else None


def _amount(world: CaseWorld, order_id: str, percent: int) -> dict[str, object]:
    gross = world.books.state.orders[order_id].gross.amount_minor
    return {"amount": max(1, min(gross - 1, gross * percent // 100)), "currency": "USD"}


def _apply(world: CaseWorld, orders: list[str], op: tuple) -> None:
    kind = op[0]
    if kind == "pay":
        orders.append(world.paid_order(len(orders), unit_price=op[1], quantity=1, shipping=0).order_id)
        return
    if kind == "spend":
        world.reversals.spent = not world.reversals.spent
        return
    if not orders:
        return
    order_id = orders[op[1] % len(orders)]
    case_id = _case_of(world, order_id)
    cases = world.cases
    if kind == "deliver":
        world.deliver(order_id)
    elif kind == "payout":
        if world.payouts.apply_holds(order_id, hold_served=True).decision == "transfer":
            world.payouts.transfer(order_id)
    elif kind == "open":
        cases.open(
            caller(BUYER), order_id, OpenCaseRequest(reason="damaged", description="It arrived broken."), None
        )
    elif case_id is None:
        return
    elif kind == "respond":
        body: dict[str, object] = {"action": op[2]}
        if op[2] == "partial_refund":
            body["amount"] = _amount(world, order_id, op[3])
        cases.respond(caller(SELLER), case_id, RespondRequest.model_validate(body))
    elif kind == "answer":
        cases.answer_offer(caller(BUYER), case_id, AnswerOfferRequest(accept=op[2]))
    elif kind == "return":
        if op[2]:
            cases.return_shipment(caller(BUYER), case_id, request=_shipment())
        else:
            cases.confirm_return(caller(SELLER), case_id)
    elif kind == "escalate":
        cases.escalate(caller(BUYER), case_id, NoteRequest())
    elif kind == "close":
        cases.close(caller(BUYER), case_id, NoteRequest())
    elif kind == "decide":
        body = {"outcome": op[2], "note": "decided"}
        if op[2] == "refund_partial":
            body["amount"] = _amount(world, order_id, op[3])
        cases.decide(ADMIN, case_id, DecisionRequest.model_validate(body))
    elif kind == "tick":
        world.clock.advance(timedelta(days=4).total_seconds())
    if case_id is not None:
        world.settle_case(case_id)


def _shipment() -> ReturnShipmentRequest:
    return ReturnShipmentRequest(carrier="UPS", tracking_number="1Z999")


def _check(world: CaseWorld, orders: list[str]) -> None:
    everything = list(world.books.ledger.entries.values())
    assert all_balance(everything)
    for order_id in orders:
        found = world.books.ledger.entries_for_order(order_id)
        assert order_is_settled_correctly(found), (order_id, [(e.kind, e.postings) for e in found])
        t = OrderTotals.of(found)
        order = world.books.state.orders[order_id]
        assert t.refunds <= order.gross.amount_minor
        # nobody paid twice: one transfer per order at most, one Stripe refund per case
        assert sum(1 for e in found if e.kind == "transfer") <= 1
        assert sum(1 for e in found if e.kind == "debt_recovered") <= 1
    refunded = {}
    for rid, refund in world.stripe.refunds.items():
        order_id = refund["request"].metadata["order_id"]
        refunded[order_id] = refunded.get(order_id, 0) + refund["amount"].amount_minor
        # each refund Stripe made is one the ledger granted
        assert any(e.kind == "refund" and e.description == f"refund {rid}" for e in everything), rid
    for order_id, amount in refunded.items():
        assert amount <= world.books.state.orders[order_id].gross.amount_minor
    # what the seller owes is never negative: a debt is never repaid twice
    assert world.books.ledger.balance(seller_receivable(SELLER), "USD").amount_minor >= 0
    # and each payout's look at the debt was made holding it (PostgreSQL: one payout at a time)
    if any(e.kind == "debt_recovered" for e in everything):
        assert seller_receivable(SELLER) in world.books.ledger.held


@settings(max_examples=120, deadline=None)
@given(operations=OPERATIONS)
def test_given_any_sequence_of_cases_refunds_reversals_and_payouts_then_the_books_hold(operations) -> None:
    world = CaseWorld()
    orders: list[str] = []
    for op in operations:
        with contextlib.suppress(ResaleError):  # a step the state does not allow: refused, nothing written
            _apply(world, orders, op)
        _check(world, orders)
