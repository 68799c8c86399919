"""Shared by the fee workflow and API tests: the launch schedule of migration 0030, re-seeded
(every test's clean-up truncates the tables, so a test that needs it puts it back)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

MIGRATION = Path(__file__).parents[2] / "adapters/postgres/migrations/0030.fee-schedules.sql"


def launch_schedule_sql() -> str:
    """The migration's own seed statement (between ``-- seed:`` and ``-- end seed``)."""
    found = re.search(r"^-- seed:[^\n]*\n(.*?)^-- end seed", MIGRATION.read_text(), re.S | re.M)
    assert found, "migration 0030 lost its seed markers"
    return found.group(1)


def seed_launch_schedule(conn: Any) -> None:
    conn.execute(launch_schedule_sql())
