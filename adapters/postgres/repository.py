"""What every PostgreSQL repository shares: its connection and the translation of outages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow


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
