"""The agreed price: only a checkout's nested quote may name one, and then the line (and so the
fee) is priced at it, whatever the listing's price or status says now."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.unit.fees.support import NOW, schedule
from tests.unit.fees.test_fee_service import FakeListings, FakeSchedules, listing
from workflows.catalog.model import ListingStatus
from workflows.checkout.agreements import AgreedSale
from workflows.fees.errors import InvalidQuoteRequest, MixedCurrencies
from workflows.fees.service import calculate_fees, load_order_lines, parse_request
from workflows.shared.errors import ContractError
from workflows.shared.money import Money

AGREED = [{"listing_id": "l1", "quantity": 1, "agreed_price": {"amount": 6500, "currency": "USD"}}]


def test_given_a_checkouts_item_with_an_agreed_price_then_the_line_and_the_fee_use_it() -> None:
    order = load_order_lines(parse_request(AGREED, held=True), FakeListings(listing()), NOW, held=True)
    (line,) = order.lines
    assert line.unit_price_minor == 6500  # not the listing's 10000
    at_agreed = calculate_fees(order, FakeSchedules(schedule()), NOW)
    at_list = calculate_fees(
        load_order_lines(parse_request([{"listing_id": "l1", "quantity": 1}]), FakeListings(listing()), NOW),
        FakeSchedules(schedule()),
        NOW,
    )
    assert at_agreed.sellers[0].items_total.amount == 6500
    assert at_agreed.sellers[0].fee_total.amount < at_list.sellers[0].fee_total.amount


def test_given_an_ended_listing_then_an_agreed_item_is_still_priced() -> None:
    ended = listing(status=ListingStatus.ENDED, quantity=0)
    order = load_order_lines(parse_request(AGREED, held=True), FakeListings(ended), NOW, held=True)
    assert order.lines[0].unit_price_minor == 6500


def test_given_a_client_quote_then_it_cannot_name_a_price() -> None:
    with pytest.raises(InvalidQuoteRequest):
        parse_request(AGREED)  # POST /fees/quote and any quote not nested in a checkout


def test_given_an_agreed_price_in_another_currency_then_it_is_refused() -> None:
    eur = [{**AGREED[0], "agreed_price": {"amount": 6500, "currency": "EUR"}}]
    with pytest.raises(MixedCurrencies):
        load_order_lines(parse_request(eur, held=True), FakeListings(listing()), NOW, held=True)


def _sale(**changes: object) -> AgreedSale:
    base = AgreedSale(
        kind="offer",
        source_id="o-1",
        buyer_id="b",
        seller_id="s",
        listing_id="l1",
        title="t",
        quantity=1,
        unit_price=Money(6500, "USD"),
        holder="offer:o-1",
        pay_by=NOW + timedelta(hours=48),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "raffle"},
        {"quantity": 0},
        {"unit_price": Money(0, "USD")},
        {"holder": "a.b"},
        {"holder": "$x"},
    ],
)
def test_given_an_agreed_sale_that_makes_no_sense_then_it_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ContractError):
        _sale(**changes)


def test_given_an_agreed_sale_then_its_agreement_keeps_kind_source_and_holder() -> None:
    agreement = _sale().agreement
    assert (agreement.kind, agreement.source_id, agreement.holder) == ("offer", "o-1", "offer:o-1")
