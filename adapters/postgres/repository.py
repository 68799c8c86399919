"""What every PostgreSQL repository shares: its connection and the translation of outages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg
from psycopg_pool import PoolTimeout

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    _T = TypeVar("_T")


class Repository:
    """A repository on one connection; the caller owns the transaction."""

    def __init__(self, conn: Connection[DictRow]) -> None:
        self._conn = conn

    def _execute(self, query: str, params: tuple[Any, ...] | dict[str, Any]) -> psycopg.Cursor[DictRow]:
        """Run one statement; a lost or refused connection is a TransientError (retried)."""
        try:
            return self._conn.execute(query, params)
        except psycopg.OperationalError as exc:
            raise TransientError(f"PostgreSQL: {exc}") from exc


class PooledReads:
    """Reads that each take one pooled connection; an outage or a full pool is a TransientError."""

    def __init__(self, pool: ConnectionPool[Connection[DictRow]], *, timeout_s: float = 5.0) -> None:
        self._pool = pool
        self._timeout_s = timeout_s

    def _read(self, work: Callable[[Connection[DictRow]], _T]) -> _T:
        try:
            with self._pool.connection(timeout=self._timeout_s) as conn:
                return work(conn)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise TransientError(f"PostgreSQL: {exc}") from exc
