"""The fee arithmetic (workflows.fees.calculate): worked examples, then properties (hypothesis)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.fees.support import NOW, PHONES, line, schedule, usd
from workflows.catalog.errors import CurrencyNotSupported
from workflows.fees.calculate import quote, quote_order
from workflows.fees.errors import InvalidQuoteRequest, MixedCurrencies
from workflows.fees.schedule import FeeSchedule
from workflows.shared.money import Money

# -- worked examples


def test_given_10_dollars_with_shipping_then_the_percentage_covers_shipping_and_the_small_tier_applies() -> (
    None
):
    # Given $8.00 + $2.00 shipping at the default 13.25%
    q = quote([line(800, shipping=200)], schedule(), NOW)
    # Then 13.25% of $10.00 = 132.5 -> 133 (half up), the <= $10 tier's 30, no ad
    assert q.items_total == usd(800)
    assert q.shipping_total == usd(200)
    assert q.fees.category_percentage == usd(133)
    assert q.fees.fixed == usd(30)
    assert q.fees.ad == usd(0)
    assert q.fee_total == usd(163)
    assert q.seller_net == usd(837)
    assert q.cap_reduction == usd(0)
    assert q.schedule_version == 1


def test_given_an_order_over_10_dollars_then_the_larger_fixed_fee_applies() -> None:
    assert quote([line(1001)], schedule(), NOW).fees.fixed == usd(40)
    assert quote([line(1000)], schedule(), NOW).fees.fixed == usd(30)


def test_given_a_category_rate_then_the_most_specific_category_in_the_path_wins() -> None:
    s = schedule(electronics="9", phones="7.5")
    assert quote([line(10000, path=PHONES)], s, NOW).fees.category_percentage == usd(750)
    assert quote([line(10000, path=("electronics", "laptops"))], s, NOW).fees.category_percentage == usd(900)
    assert quote([line(10000, path=("fashion",))], s, NOW).fees.category_percentage == usd(1325)


def test_given_lines_of_several_rates_then_the_exact_sum_is_rounded_once() -> None:
    # 50.5 + 50.5 would round to 51 + 51 = 102 line by line; once, it is 101
    s = schedule(a="50", b="50")
    q = quote([line(101, path=("a",), listing="x"), line(101, path=("b",), listing="y")], s, NOW)
    assert q.fees.category_percentage == usd(101)


def test_given_an_active_promotion_then_its_ad_rate_applies_to_the_items_not_shipping() -> None:
    q = quote([line(2000, quantity=2, shipping=500, ad="7.5")], schedule(), NOW)
    assert q.fees.ad == usd(300)  # 7.5% of 40.00


def test_given_a_promotion_outside_its_window_then_there_is_no_ad_fee() -> None:
    later = (NOW + timedelta(hours=1), NOW + timedelta(days=1))
    ended = (NOW - timedelta(days=1), NOW)  # half-open: over at its end
    assert quote([line(2000, ad="7.5", ad_window=later)], schedule(), NOW).fees.ad == usd(0)
    assert quote([line(2000, ad="7.5", ad_window=ended)], schedule(), NOW).fees.ad == usd(0)


def test_given_a_cap_then_the_excess_comes_off_category_first_then_fixed_then_ad() -> None:
    # raw: 13.25% of 100000 = 13250, fixed 40, ad 5% = 5000 -> 18290; cap 5020
    q = quote([line(100_000, ad="5")], schedule(cap=5020), NOW)
    assert q.fee_total == usd(5020)
    assert (q.fees.category_percentage, q.fees.fixed, q.fees.ad) == (usd(0), usd(20), usd(5000))
    assert q.cap_reduction == usd(13_270)
    assert q.fees.total == q.fee_total


def test_given_a_fee_larger_than_the_order_then_it_is_limited_to_the_gross_and_net_is_zero() -> None:
    q = quote([line(10)], schedule(), NOW)  # 1 cent of percentage + 30 fixed > 10
    assert q.fee_total == usd(10)
    assert q.seller_net == usd(0)
    assert q.fees.total == q.fee_total


def test_given_two_sellers_then_each_gets_a_quote_of_their_own_in_seller_order() -> None:
    quotes = quote_order(
        [
            line(500, seller="zed", listing="a"),
            line(700, seller="amy", listing="b"),
            line(300, seller="zed", listing="c"),
        ],
        schedule(),
        NOW,
    )
    assert [(q.seller_id, q.items_total.amount_minor) for q in quotes] == [("amy", 700), ("zed", 800)]
    # each order gets its own fixed fee
    assert all(q.fees.fixed == usd(30) for q in quotes)


def test_given_mixed_currencies_then_the_quote_is_refused() -> None:
    eur = line(100)
    eur = type(eur)(**{**eur.__dict__, "unit_price": Money(100, "EUR"), "shipping": Money(0, "EUR")})
    with pytest.raises(MixedCurrencies):
        quote_order([line(100), eur], schedule(), NOW)


def test_given_a_currency_the_schedule_lacks_then_currency_not_supported() -> None:
    eur = line(100)
    eur = type(eur)(**{**eur.__dict__, "unit_price": Money(100, "EUR"), "shipping": Money(0, "EUR")})
    with pytest.raises(CurrencyNotSupported):
        quote([eur], schedule(), NOW)


@pytest.mark.parametrize("quantity", [0, -1, True, 1.0])
def test_given_a_bad_quantity_then_the_line_is_refused(quantity: object) -> None:
    with pytest.raises(InvalidQuoteRequest):
        line(100, quantity=quantity)  # type: ignore[arg-type]


def test_given_no_lines_then_invalid() -> None:
    with pytest.raises(InvalidQuoteRequest):
        quote_order([], schedule(), NOW)


# -- properties

amounts = st.integers(min_value=0, max_value=10_000_000)
rates = st.decimals(min_value=0, max_value=100, places=2)
ad_rates = st.one_of(st.none(), st.decimals(min_value=2, max_value=100, places=2))
caps = st.one_of(st.none(), st.integers(min_value=0, max_value=2_000_000))


@st.composite
def orders(draw: st.DrawFn) -> tuple[list, FeeSchedule]:
    s = schedule(cap=draw(caps), a=str(draw(rates)), b=str(draw(rates)))
    n = draw(st.integers(min_value=1, max_value=5))
    lines = [
        line(
            draw(amounts),
            draw(st.integers(min_value=1, max_value=20)),
            draw(st.integers(min_value=0, max_value=50_000)),
            listing=f"l{i}",
            path=draw(st.sampled_from([("a",), ("b",), ("a", "b"), ("c",)])),
            ad=None if (r := draw(ad_rates)) is None else str(r),
        )
        for i in range(n)
    ]
    return lines, s


@settings(max_examples=300, deadline=None)
@given(orders())
def test_property_parts_sum_to_the_total_and_net_plus_fee_is_gross(order: tuple[list, FeeSchedule]) -> None:
    lines, s = order
    q = quote(lines, s, NOW)
    assert q.fees.category_percentage + q.fees.fixed + q.fees.ad == q.fee_total
    assert q.seller_net + q.fee_total == q.items_total + q.shipping_total
    assert q.seller_net.amount_minor >= 0
    for part in (q.fees.category_percentage, q.fees.fixed, q.fees.ad, q.fee_total, q.cap_reduction):
        assert part.amount_minor >= 0
        assert type(part.amount_minor) is int


@settings(max_examples=300, deadline=None)
@given(orders())
def test_property_the_fee_never_exceeds_the_cap(order: tuple[list, FeeSchedule]) -> None:
    lines, s = order
    q = quote(lines, s, NOW)
    cap = s.currencies["USD"].cap_minor
    if cap is not None:
        assert q.fee_total.amount_minor <= cap
    # without a binding limit nothing is taken off
    if q.cap_reduction.amount_minor == 0:
        uncapped = quote(lines, FeeSchedule(s.version, s.effective_from, {"USD": _uncapped(s)}), NOW)
        assert uncapped.fee_total == q.fee_total


def _uncapped(s: FeeSchedule):
    from dataclasses import replace

    return replace(s.currencies["USD"], cap_minor=None)


@settings(max_examples=300, deadline=None)
@given(orders(), st.integers(min_value=0, max_value=1_000_000), st.integers(min_value=0, max_value=4))
def test_property_the_fee_never_falls_as_the_order_grows(
    order: tuple[list, FeeSchedule], more: int, which: int
) -> None:
    from dataclasses import replace

    lines, s = order
    index = which % len(lines)
    bigger = list(lines)
    bigger[index] = replace(lines[index], unit_price=lines[index].unit_price + usd(more))
    assert quote(bigger, s, NOW).fee_total >= quote(lines, s, NOW).fee_total


@settings(max_examples=300, deadline=None)
@given(orders())
def test_property_each_uncapped_part_is_within_half_a_minor_unit_of_the_exact_value(
    order: tuple[list, FeeSchedule],
) -> None:
    lines, s = order
    r = _uncapped(s)
    q = quote(lines, FeeSchedule(s.version, s.effective_from, {"USD": r}), NOW)
    exact_category = sum(
        (
            Decimal(x.items.amount_minor + x.shipping.amount_minor) * r.percent_for(x.category_path) / 100
            for x in lines
        ),
        Decimal(0),
    )
    exact_ad = sum(
        (Decimal(x.items.amount_minor) * x.promotion.ad_rate_percent / 100 for x in lines if x.promotion),
        Decimal(0),
    )
    gross = q.items_total.amount_minor + q.shipping_total.amount_minor
    if q.cap_reduction.amount_minor == 0:  # the gross limit did not bind either
        assert abs(Decimal(q.fees.category_percentage.amount_minor) - exact_category) <= Decimal("0.5")
        assert abs(Decimal(q.fees.ad.amount_minor) - exact_ad) <= Decimal("0.5")
        assert q.fees.fixed.amount_minor == r.fixed_fee_minor(gross)
