"""Shared by the fee workflow and API tests: the launch schedule of migration 0030, re-seeded
(every test's clean-up truncates the tables, so a test that needs it puts it back), and a step
function made to fail for the length of a test (a real failure, for the executions' outcomes)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from local.runtime import LocalCloud

MIGRATION = Path(__file__).parents[2] / "adapters/postgres/migrations/0030.fee-schedules.sql"


def launch_schedule_sql() -> str:
    """The migration's own seed statement (between ``-- seed:`` and ``-- end seed``)."""
    found = re.search(r"^-- seed:[^\n]*\n(.*?)^-- end seed", MIGRATION.read_text(), re.S | re.M)
    assert found, "migration 0030 lost its seed markers"
    return found.group(1)


def seed_launch_schedule(conn: Any) -> None:
    conn.execute(launch_schedule_sql())


@contextmanager
def failing_function(cloud: LocalCloud, function: str, error: Exception) -> Iterator[None]:
    """The topology's ``function`` raises ``error`` on every invocation (as its handler would in
    an outage or with a bug), its real handler put back afterwards."""
    aws, provisioned = cloud.started()
    spec = aws.functions.spec(provisioned.physical_name(function))

    def handler(event: Any, context: Any) -> Any:
        raise error

    def register(with_handler: Any) -> None:
        aws.functions.register(
            spec.name,
            with_handler,
            timeout_s=spec.timeout_s,
            memory_mb=spec.memory_mb,
            environment=spec.environment,
        )

    register(handler)
    try:
        yield
    finally:
        register(spec.handler)
