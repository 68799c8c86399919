"""PostgreSQL for fees: the versioned fee schedules (``fee_schedules``, migration 0030).

- :class:`PostgresFeeSchedules` implements ``workflows.fees.service.FeeSchedules``. Connection
  trouble becomes a :class:`TransientError` (the state machine retries it).
- :class:`FeeScheduleCurrencies` implements ``workflows.catalog.ports.SettledCurrencies``: the
  currencies of the schedule in effect, read once per cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout

from workflows.fees.errors import FeeScheduleMissing
from workflows.fees.schedule import FeeSchedule
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from datetime import datetime

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.fees.service import FeeSchedules
    from workflows.shared.clock import Clock

_IN_EFFECT = """
SELECT version, effective_from, rules FROM fee_schedules
WHERE effective_from <= %(at)s
ORDER BY effective_from DESC
LIMIT 1
"""

_ADD = """
INSERT INTO fee_schedules (version, effective_from, rules)
VALUES (%(version)s, %(effective_from)s, %(rules)s)
ON CONFLICT (version) DO NOTHING
"""


class PostgresFeeSchedules:
    def __init__(self, pool: ConnectionPool[Connection[DictRow]]) -> None:
        self.pool = pool

    def in_effect(self, at: datetime) -> FeeSchedule | None:
        try:
            with self.pool.connection() as conn:
                row = conn.execute(_IN_EFFECT, {"at": at}).fetchone()
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise TransientError(f"PostgreSQL: {exc}") from exc
        if row is None:
            return None
        return FeeSchedule.from_rules(row["version"], row["effective_from"], row["rules"])

    def add(self, schedule: FeeSchedule) -> bool:
        """Store a new version (schedules are never changed once stored); False if it exists."""
        try:
            with self.pool.connection() as conn:
                cursor = conn.execute(
                    _ADD,
                    {
                        "version": schedule.version,
                        "effective_from": schedule.effective_from,
                        "rules": Jsonb(schedule.to_rules()),
                    },
                )
                return cursor.rowcount == 1
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise TransientError(f"PostgreSQL: {exc}") from exc


class FeeScheduleCurrencies:
    """The currencies listings may be priced in: those of the fee schedule in effect that the
    platform settles. Read on first use and kept for the life of the process (a cold start); a
    failed read (an outage, no schedule in effect) is raised, never cached and never "none"."""

    def __init__(self, schedules: FeeSchedules, clock: Clock) -> None:
        self._schedules = schedules
        self._clock = clock
        self._settled: frozenset[str] | None = None

    def settled(self) -> frozenset[str]:
        if self._settled is None:
            schedule = self._schedules.in_effect(self._clock.now())
            if schedule is None:
                raise FeeScheduleMissing("No fee schedule is in effect: no currency can be sold in.")
            self._settled = schedule.settled_currencies()
        return self._settled
