"""Money: integer minor units, explicit rounding, allocations that sum exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.shared.errors import ContractError, CurrencyMismatch
from workflows.shared.money import Money


def test_given_a_float_amount_then_money_refuses_it() -> None:
    with pytest.raises(ContractError) as caught:
        Money(19.99, "USD")  # type: ignore[arg-type]
    assert caught.value.code == "INVALID_AMOUNT"


def test_given_an_unknown_currency_then_money_refuses_it() -> None:
    with pytest.raises(ContractError) as caught:
        Money(100, "XXX")
    assert caught.value.code == "INVALID_CURRENCY"


def test_given_two_currencies_when_added_then_it_is_a_mismatch() -> None:
    with pytest.raises(CurrencyMismatch):
        Money(100, "USD") + Money(100, "EUR")


def test_given_a_rate_when_applied_then_half_up_rounding_is_explicit() -> None:
    assert Money(1005, "USD").percent(Decimal("12.5")) == Money(126, "USD")  # 125.625 -> 126
    assert Money(1000, "USD").percent(Decimal("0.05")) == Money(1, "USD")  # 0.5 -> 1 (half up)
    assert Money(1000, "USD").percent(Decimal("0.05"), "half_even") == Money(0, "USD")


def test_given_three_equal_weights_when_allocating_100_then_the_extra_cent_goes_first() -> None:
    parts = Money(100, "USD").allocate([1, 1, 1])
    assert [p.amount_minor for p in parts] == [34, 33, 33]


@given(
    amount=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(
        lambda w: sum(w) > 0
    ),
)
def test_given_any_amount_and_weights_when_allocated_then_parts_sum_exactly_and_are_fair(
    amount: int, weights: list[int]
) -> None:
    parts = Money(amount, "USD").allocate(weights)
    assert sum(p.amount_minor for p in parts) == amount
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = abs(amount) * weight / total
        assert abs(abs(part.amount_minor) - exact) < 1  # never more than one minor unit off its share
        if weight == 0:
            assert part.amount_minor == 0
