"""Readiness probes for the health check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from psycopg_pool import ConnectionPool
    from pymongo.database import Database


class PostgresProbe:
    def __init__(self, pool: Callable[[], ConnectionPool[Any]]) -> None:
        self._pool = pool

    def ping(self) -> None:
        with self._pool().connection(timeout=2) as conn:
            conn.execute("SELECT 1")


class MongoProbe:
    def __init__(self, database: Callable[[], Database[dict[str, Any]]]) -> None:
        self._database = database

    def ping(self) -> None:
        self._database().command("ping")
