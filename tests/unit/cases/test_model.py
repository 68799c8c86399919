"""A case's transitions: who may do what in which state, and what each deadline does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from workflows.cases import model as rules
from workflows.cases.errors import CaseActionNotAllowed, InvalidCaseAmount
from workflows.cases.model import CasePolicy
from workflows.shared.money import Money

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
POLICY = CasePolicy()
TOTAL = Money(2500, "USD")


def a_case() -> rules.Case:
    return rules.open_case(
        case_id="c-1",
        order_id="o-1",
        buyer_id="b",
        seller_id="s",
        reason="not_as_described",
        description="the colour is wrong",
        image_ids=(),
        order_total=TOTAL,
        request_hash="h",
        buyer_flagged=False,
        now=NOW,
        policy=POLICY,
    ).case


def test_given_a_new_case_then_the_seller_has_three_business_days_and_it_closes_after_21() -> None:
    case = a_case()
    assert case.status == "awaiting_seller"
    assert case.deadline_at == datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    assert case.close_by == datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def test_given_each_seller_answer_then_the_case_moves_where_it_says() -> None:
    case = a_case()
    full = rules.respond(case, "full_refund", amount=None, message=None, now=NOW, policy=POLICY).case
    assert (full.status, full.refund_amount) == ("refund_pending", TOTAL)
    partial = rules.respond(
        case, "partial_refund", amount=Money(500, "USD"), message="sorry", now=NOW, policy=POLICY
    )
    assert (partial.case.status, partial.case.offer_amount) == ("awaiting_buyer", Money(500, "USD"))
    assert partial.entry.amount == Money(500, "USD")
    ret = rules.respond(case, "accept_return", amount=None, message=None, now=NOW, policy=POLICY).case
    assert ret.status == "awaiting_return_shipment"
    assert ret.deadline_at == datetime(2026, 3, 16, 12, 0, tzinfo=UTC)  # 10 business days
    declined = rules.respond(case, "decline", amount=None, message="as listed", now=NOW, policy=POLICY).case
    assert declined.status == "awaiting_escalation" and declined.deadline_at == case.close_by


@pytest.mark.parametrize(
    "amount", [Money(0, "USD"), Money(2500, "USD"), Money(3000, "USD"), Money(500, "EUR"), None]
)
def test_given_a_partial_refund_out_of_range_then_refused(amount) -> None:
    with pytest.raises(InvalidCaseAmount):
        rules.respond(a_case(), "partial_refund", amount=amount, message=None, now=NOW, policy=POLICY)


def test_given_an_offer_then_the_buyer_takes_it_or_turns_it_down_and_may_escalate() -> None:
    offered = rules.respond(
        a_case(), "partial_refund", amount=Money(500, "USD"), message=None, now=NOW, policy=POLICY
    ).case
    taken = rules.answer_offer(offered, accept=True, now=NOW, policy=POLICY).case
    assert (taken.status, taken.refund_amount) == ("refund_pending", Money(500, "USD"))
    refused = rules.answer_offer(offered, accept=False, now=NOW, policy=POLICY).case
    assert refused.status == "awaiting_escalation"
    escalated = rules.escalate(refused, message=None, now=NOW, policy=POLICY).case
    assert escalated.status == "escalated" and escalated.escalated_at == NOW


def test_given_a_case_waiting_for_the_seller_then_the_buyer_cannot_escalate_yet() -> None:
    with pytest.raises(CaseActionNotAllowed) as caught:
        rules.escalate(a_case(), message=None, now=NOW, policy=POLICY)
    assert caught.value.details["status"] == "awaiting_seller"


@pytest.mark.parametrize(
    ("status", "expected", "outcome"),
    [
        ("awaiting_seller", "awaiting_escalation", None),
        ("awaiting_buyer", "awaiting_escalation", None),
        ("awaiting_return_shipment", "closed", "return_not_shipped"),
        ("return_in_transit", "refund_pending", None),
        ("awaiting_escalation", "closed", "expired"),
        ("escalated", "escalated", None),
    ],
)
def test_given_each_wait_when_its_deadline_passes_then_what_the_rules_say(status, expected, outcome) -> None:
    case = replace(
        a_case(), status=status, deadline_at=NOW + timedelta(hours=1), offer_amount=Money(500, "USD")
    )
    assert rules.deadline_passed(case, now=NOW, policy=POLICY) is None  # not yet
    later = NOW + timedelta(hours=1)
    changed = rules.deadline_passed(case, now=later, policy=POLICY)
    assert changed is not None
    assert (changed.case.status, changed.case.outcome) == (expected, outcome)
    assert changed.entry.role == "system"
    if expected != "closed":
        assert changed.case.deadline_at is None or changed.case.deadline_at > later


def test_given_an_admin_then_refund_in_full_in_part_or_close_for_the_seller() -> None:
    escalated = replace(a_case(), status="escalated")
    full = rules.decide(escalated, "refund_buyer", amount=None, note="n", admin_id="a", now=NOW).case
    assert full.refund_amount == TOTAL
    part = rules.decide(
        escalated, "refund_partial", amount=Money(1000, "USD"), note="n", admin_id="a", now=NOW
    ).case
    assert part.refund_amount == Money(1000, "USD")
    closed = rules.decide(escalated, "close_for_seller", amount=None, note="n", admin_id="a", now=NOW).case
    assert (closed.status, closed.outcome) == ("closed", "closed_for_seller")
    assert closed.outcome in rules.FOR_SELLER


def test_given_a_refund_then_the_outcome_says_whether_it_was_full() -> None:
    pending = replace(a_case(), status="refund_pending", refund_amount=Money(1000, "USD"))
    assert rules.refunded(pending, refund_id="re_1", now=NOW).case.outcome == "partially_refunded"
    full = replace(pending, refund_amount=TOTAL)
    closed = rules.refunded(full, refund_id="re_1", now=NOW).case
    assert (closed.outcome, closed.refund_id, closed.deadline_at) == ("refunded", "re_1", None)


def test_given_a_closed_case_then_nobody_can_act_on_it() -> None:
    closed = rules.close_by_buyer(a_case(), message=None, now=NOW).case
    assert closed.outcome == "closed_by_buyer"
    for act in (
        lambda c: rules.respond(c, "decline", amount=None, message=None, now=NOW, policy=POLICY),
        lambda c: rules.close_by_buyer(c, message=None, now=NOW),
        lambda c: rules.decide(c, "refund_buyer", amount=None, note="n", admin_id="a", now=NOW),
    ):
        with pytest.raises(CaseActionNotAllowed):
            act(closed)
