"""The catalog's settled currencies come from the fee schedule in effect (PostgreSQL), read once
per cold start; a failed read is raised and not remembered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from adapters.postgres.fees import FeeScheduleCurrencies, PostgresFeeSchedules
from adapters.postgres.pool import make_pool
from tests.fakes.clock import FakeClock
from tests.workflows.fees_support import seed_launch_schedule
from workflows.fees.errors import FeeScheduleMissing
from workflows.fees.schedule import CurrencyRules, FeeSchedule, FixedFeeTier
from workflows.shared.errors import TransientError


def _usd_only(version: int, effective_from: datetime) -> FeeSchedule:
    rules = CurrencyRules(default_percent=Decimal("10"), fixed_fee_tiers=(FixedFeeTier(None, 30),))
    return FeeSchedule(version=version, effective_from=effective_from, currencies={"USD": rules})


def test_given_the_launch_schedule_then_its_currencies_are_settled_and_kept_for_the_cold_start(
    pg_url: str, pg_conn: psycopg.Connection
) -> None:
    seed_launch_schedule(pg_conn)
    clock = FakeClock(datetime.now(UTC))
    pool = make_pool(pg_url)
    try:
        schedules = PostgresFeeSchedules(pool)
        currencies = FeeScheduleCurrencies(schedules, clock)
        assert currencies.settled() == frozenset({"EUR", "GBP", "USD"})
        # a new schedule covering USD only takes effect: this cold start keeps what it read...
        assert schedules.add(_usd_only(900, clock.now() - timedelta(minutes=1)))
        assert currencies.settled() == frozenset({"EUR", "GBP", "USD"})
        # ...and the next one reads the new schedule
        assert FeeScheduleCurrencies(schedules, clock).settled() == frozenset({"USD"})
    finally:
        pool.close()


def test_given_no_schedule_in_effect_then_settled_fails_and_is_not_remembered(
    pg_url: str, pg_conn: psycopg.Connection
) -> None:
    pool = make_pool(pg_url)
    try:
        currencies = FeeScheduleCurrencies(PostgresFeeSchedules(pool), FakeClock(datetime.now(UTC)))
        with pytest.raises(FeeScheduleMissing):
            currencies.settled()
        seed_launch_schedule(pg_conn)
        assert currencies.settled() == frozenset({"EUR", "GBP", "USD"})
    finally:
        pool.close()


def test_given_postgres_unreachable_then_settled_is_a_transient_error(pg_empty_url: str) -> None:
    unreachable = psycopg.conninfo.make_conninfo(pg_empty_url, port=1, connect_timeout=1)
    pool = make_pool(unreachable, timeout=1.0, connect_timeout=1)
    try:
        currencies = FeeScheduleCurrencies(PostgresFeeSchedules(pool), FakeClock(datetime.now(UTC)))
        with pytest.raises(TransientError):
            currencies.settled()
    finally:
        pool.close()
