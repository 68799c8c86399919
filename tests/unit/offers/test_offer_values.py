"""Offers' values and requests: who is awaited, the keys waits and holds use, what a request may say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from workflows.catalog.commands import BestOfferIn
from workflows.offers.commands import CounterOffer, MakeOffer
from workflows.offers.model import OfferRecord, holder_of, purchase_correlation
from workflows.shared.errors import ContractError
from workflows.shared.money import Money

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _offer(**changes: object) -> OfferRecord:
    fields: dict[str, object] = {
        "offer_id": "o-1",
        "listing_id": "l-1",
        "seller_id": "s",
        "buyer_id": "b",
        "title": "t",
        "quantity": 1,
        "amount": Money(1800, "USD"),
        "offered": Money(1800, "USD"),
        "list_price": Money(2500, "USD"),
        "status": "awaiting_seller",
        "round": 1,
        "request_hash": "h",
        "created_at": NOW,
        "updated_at": NOW,
        "respond_by": NOW + timedelta(hours=48),
    }
    return OfferRecord(**(fields | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "awaiting"),
    [("awaiting_seller", "seller"), ("awaiting_buyer", "buyer"), ("accepted", None), ("declined", None)],
)
def test_given_a_status_then_whose_answer_is_awaited(status: str, awaiting: str | None) -> None:
    assert _offer(status=status).awaiting == awaiting


def test_given_the_parties_and_a_stranger_then_their_roles() -> None:
    offer = _offer()
    assert (offer.role_of("b"), offer.role_of("s"), offer.role_of("x")) == ("buyer", "seller", None)


def test_given_each_round_then_its_own_wait_key_and_one_hold_key() -> None:
    assert _offer(round=3).correlation_id == "offer:o-1-3"
    assert purchase_correlation("o-1") == "offer:o-1-paid"
    assert holder_of("o-1") == "offer:o-1"
    # the wait keys fit the shared wait step's pattern
    from workflows.shared.waits import WaitForEvent

    WaitForEvent(correlation_id=_offer(round=3).correlation_id, task_token="t")
    WaitForEvent(correlation_id=purchase_correlation("0f6c-11"), task_token="t")


def test_given_an_unknown_status_then_refused() -> None:
    with pytest.raises(ContractError):
        _offer(status="haggling")


@pytest.mark.parametrize(
    "body",
    [
        {"amount": {"amount": 12.5, "currency": "USD"}},
        {"amount": {"amount": -1, "currency": "USD"}},
        {"amount": {"amount": 100, "currency": "XXX"}},
        {"amount": {"amount": 100, "currency": "USD"}, "quantity": 0},
        {"amount": {"amount": 100, "currency": "USD"}, "seller_id": "me"},
        {"amount": {"amount": 100, "currency": "USD"}, "message": ""},
    ],
)
def test_given_a_bad_offer_then_it_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        MakeOffer.model_validate(body)


def test_given_a_counter_then_only_an_amount() -> None:
    assert CounterOffer.model_validate({"amount": {"amount": 100, "currency": "USD"}}).amount.amount == 100
    with pytest.raises(ValidationError):
        CounterOffer.model_validate({"amount": {"amount": 100, "currency": "USD"}, "quantity": 2})


@pytest.mark.parametrize(
    "terms",
    [
        {"enabled": False, "auto_accept_at": {"amount": 100, "currency": "USD"}},
        {
            "enabled": True,
            "auto_accept_at": {"amount": 100, "currency": "USD"},
            "auto_decline_below": {"amount": 100, "currency": "USD"},
        },
        {
            "enabled": True,
            "auto_accept_at": {"amount": 100, "currency": "USD"},
            "auto_decline_below": {"amount": 50, "currency": "EUR"},
        },
    ],
)
def test_given_best_offer_thresholds_that_do_not_fit_then_refused(terms: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        BestOfferIn.model_validate(terms)
