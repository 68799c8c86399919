"""One checkout is paid in one currency: a cart in several is refused before anything starts."""

from __future__ import annotations

import pytest

from adapters.aws.stepfunctions import caught_error
from workflows.checkout.errors import CHECKOUT_ERROR_CODES, CartMixedCurrencies
from workflows.checkout.model import CheckoutLine
from workflows.checkout.service import ending_of, require_one_currency
from workflows.shared.money import Money


def line(listing_id: str, currency: str) -> CheckoutLine:
    return CheckoutLine(listing_id, "seller-1", listing_id, 1, Money(1000, currency))


def test_given_lines_in_one_currency_then_they_pass() -> None:
    require_one_currency([line("a", "GBP"), line("b", "GBP")])


def test_given_lines_in_several_currencies_then_409_naming_each_currency_with_its_listings() -> None:
    with pytest.raises(CartMixedCurrencies) as raised:
        require_one_currency([line("c", "USD"), line("a", "EUR"), line("b", "USD")])
    assert raised.value.code == "CART_MIXED_CURRENCIES"
    assert raised.value.details == {
        "currencies": [
            {"currency": "EUR", "listing_ids": ["a"]},
            {"currency": "USD", "listing_ids": ["b", "c"]},
        ]
    }
    assert "EUR, USD" in raised.value.message


def test_given_the_error_from_a_step_then_the_buyer_is_told_its_code() -> None:
    assert CHECKOUT_ERROR_CODES["CartMixedCurrencies"] == "CART_MIXED_CURRENCIES"
    status, failure = ending_of(caught_error("CartMixedCurrencies", "{}"))
    assert (status, failure.code) == ("cancelled", "CART_MIXED_CURRENCIES")
