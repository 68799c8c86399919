"""The fee schedule: its stored form, validation, category resolution and tiers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.fees.support import NOW, schedule
from workflows.fees.errors import InvalidFeeSchedule
from workflows.fees.schedule import CurrencyRules, FeeSchedule, FixedFeeTier


def test_given_a_schedule_when_stored_and_read_back_then_it_is_the_same() -> None:
    s = schedule(cap=75000, electronics="9.00", phones="7.5")
    again = FeeSchedule.from_rules(s.version, s.effective_from, s.to_rules())
    assert again == s
    # rates are stored as decimal strings, never JSON numbers
    assert s.to_rules()["currencies"]["USD"]["category_percent"]["default"] == "13.25"


def test_given_a_float_rate_in_the_stored_form_then_it_is_refused() -> None:
    rules = schedule().to_rules()
    rules["currencies"]["USD"]["category_percent"]["default"] = 13.25
    with pytest.raises(InvalidFeeSchedule):
        FeeSchedule.from_rules(1, NOW, rules)


@pytest.mark.parametrize(
    "tiers",
    [
        (),
        (FixedFeeTier(1000, 30),),  # no unbounded last tier
        (FixedFeeTier(1000, 40), FixedFeeTier(None, 30)),  # a fee that falls
        (FixedFeeTier(2000, 30), FixedFeeTier(1000, 35), FixedFeeTier(None, 40)),  # bounds out of order
        (FixedFeeTier(None, 30), FixedFeeTier(None, 40)),
        (FixedFeeTier(1000, -1), FixedFeeTier(None, 40)),
    ],
)
def test_given_bad_tiers_then_the_schedule_is_refused(tiers: tuple[FixedFeeTier, ...]) -> None:
    with pytest.raises(InvalidFeeSchedule):
        CurrencyRules(default_percent=Decimal(10), fixed_fee_tiers=tiers)


@pytest.mark.parametrize("rate", [Decimal(-1), Decimal(101), Decimal("NaN")])
def test_given_a_rate_out_of_range_then_the_schedule_is_refused(rate: Decimal) -> None:
    with pytest.raises(InvalidFeeSchedule):
        CurrencyRules(default_percent=rate, fixed_fee_tiers=(FixedFeeTier(None, 0),))


def test_given_a_negative_cap_then_refused() -> None:
    with pytest.raises(InvalidFeeSchedule):
        CurrencyRules(default_percent=Decimal(1), fixed_fee_tiers=(FixedFeeTier(None, 0),), cap_minor=-1)


def test_given_tiers_then_the_first_bound_at_or_above_the_total_applies() -> None:
    r = schedule().currencies["USD"]
    assert [r.fixed_fee_minor(t) for t in (0, 999, 1000, 1001, 10**9)] == [30, 30, 30, 40, 40]


def test_given_the_launch_schedule_of_migration_0030_then_it_parses_and_names_known_categories() -> None:
    import json
    import re
    from pathlib import Path

    from workflows.shared.ids import derived_id

    sql = (Path(__file__).parents[3] / "adapters/postgres/migrations/0030.fee-schedules.sql").read_text()
    document = re.search(r"'(\{\"currencies\".*?\})'::jsonb", sql, re.S)
    assert document is not None
    s = FeeSchedule.from_rules(1, NOW, json.loads(document.group(1)))
    usd = s.currencies["USD"]
    assert usd.default_percent == Decimal("13.25")
    assert usd.percent_for(
        (derived_id("category", "electronics"), derived_id("category", "cameras"))
    ) == Decimal("8.50")
    assert usd.percent_for(
        (derived_id("category", "electronics"), derived_id("category", "phones"))
    ) == Decimal("9.00")
    assert usd.cap_minor == 75000
