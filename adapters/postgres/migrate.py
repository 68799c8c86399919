"""Versioned schema migrations, applied with yoyo-migrations.

The migrations are the SQL files in ``migrations/``: ``NNNN.name.sql`` with its
``NNNN.name.rollback.sql``; yoyo records what it applied in its own tables (``_yoyo_*``,
``yoyo_lock``) and holds a lock while it works, so concurrent runs apply each migration once.
Each migration runs in one transaction (PostgreSQL has transactional DDL).

    python -m adapters.postgres.migrate [--url URL] [--rollback N]

applies every pending migration to ``--url`` or ``DATABASE_URL`` (``make migrate``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from yoyo import get_backend, read_migrations

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: yoyo's bookkeeping tables: never truncated or dropped by anything but yoyo
YOYO_TABLES = frozenset({"_yoyo_migration", "_yoyo_log", "_yoyo_version", "yoyo_lock"})
LOCK_TIMEOUT_S = 60

_SCHEMES = ("postgresql://", "postgres://")
_YOYO_SCHEME = "postgresql+psycopg://"  # yoyo's psycopg 3 backend


class MigrationSettings(BaseSettings):
    """Where ``python -m adapters.postgres.migrate`` applies migrations without ``--url``."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str | None = None


def yoyo_url(url: str) -> str:
    """``postgresql://...`` as yoyo's psycopg 3 backend spells it."""
    if url.startswith(_YOYO_SCHEME):
        return url
    for scheme in _SCHEMES:
        if url.startswith(scheme):
            return _YOYO_SCHEME + url.removeprefix(scheme)
    raise ValueError("expected a postgresql:// URL")


def _migrations() -> Any:
    return read_migrations(str(MIGRATIONS_DIR))


@contextmanager
def _locked_backend(url: str) -> Iterator[Any]:
    """A yoyo backend for ``url`` holding yoyo's lock; its connection is closed afterwards."""
    backend = get_backend(yoyo_url(url))
    try:
        with backend.lock(timeout=LOCK_TIMEOUT_S):
            yield backend
    finally:
        backend.connection.close()


def _ids(migrations: Any) -> list[str]:
    items: Iterator[Any] = iter(migrations)
    return [str(migration.id) for migration in items]


def apply_migrations(url: str) -> list[str]:
    """Apply every pending migration, oldest first; return the ids applied (none: up to date)."""
    with _locked_backend(url) as backend:
        pending = backend.to_apply(_migrations())
        backend.apply_migrations(pending)
    applied = _ids(pending)
    if applied:
        logger.info("applied migrations %s", ", ".join(applied))
    return applied


def rollback_migrations(url: str, *, count: int | None = None) -> list[str]:
    """Roll back the newest ``count`` applied migrations (None: all); return their ids."""
    with _locked_backend(url) as backend:
        applied = backend.to_rollback(_migrations())
        chosen = applied if count is None else applied[:count]
        backend.rollback_migrations(chosen)
    rolled_back = _ids(chosen)
    if rolled_back:
        logger.info("rolled back migrations %s", ", ".join(rolled_back))
    return rolled_back


def applied_migrations(url: str) -> list[str]:
    """Ids of the migrations applied to ``url``, oldest first."""
    with _locked_backend(url) as backend:
        return list(reversed(_ids(backend.to_rollback(_migrations()))))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.postgres.migrate", description="Apply PostgreSQL schema migrations."
    )
    parser.add_argument("--url", help="postgresql:// URL (default: DATABASE_URL)")
    parser.add_argument("--rollback", type=int, metavar="N", help="roll back the newest N migrations instead")
    args = parser.parse_args(argv)
    url = args.url or MigrationSettings().database_url
    if not url:
        parser.error("no database: pass --url or set DATABASE_URL")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.rollback is not None:
        done = rollback_migrations(url, count=args.rollback)
        print("rolled back:", ", ".join(done) if done else "nothing")  # noqa: T201
    else:
        done = apply_migrations(url)
        print("applied:", ", ".join(done) if done else "nothing (up to date)")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
