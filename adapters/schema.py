"""Bring both databases to the schema the code expects: PostgreSQL's migrations, then MongoDB's
indexes (every collection's, catalog and messaging alike).

Both steps are idempotent and safe to run concurrently (yoyo holds a lock; ``createIndexes`` of
an existing index is a no-op), so they run on every deploy (the ``migrate`` job, a CDK trigger)
and by hand:

    python -m adapters.schema [--url URL] [--mongodb-uri URI]

takes ``DATABASE_URL`` and ``MONGODB_URI`` by default (``make migrate``). No function ensures
indexes when it starts: a cold start pays for nothing a deploy can do once.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.mongo.indexes import ensure_indexes
from adapters.postgres.migrate import apply_migrations

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pymongo.database import Database


@dataclass(frozen=True)
class SchemaChanges:
    #: migrations applied by this run (none: PostgreSQL was up to date)
    migrations: list[str]
    #: every index ensured, ``"<collection>.<name>"``
    indexes: list[str]


def bring_up_to_date(database_url: str, mongo_db: Database[dict[str, Any]]) -> SchemaChanges:
    """Apply the pending PostgreSQL migrations, then ensure every MongoDB index."""
    return SchemaChanges(migrations=apply_migrations(database_url), indexes=ensure_indexes(mongo_db))


class _Targets(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    mongodb_uri: str | None = Field(default=None, validation_alias="MONGODB_URI")


def main(argv: Sequence[str] | None = None) -> int:
    from adapters.mongo.client import mongo_database

    parser = argparse.ArgumentParser(
        prog="python -m adapters.schema", description="Apply PostgreSQL migrations and MongoDB indexes."
    )
    parser.add_argument("--url", help="postgresql:// URL (default: DATABASE_URL)")
    parser.add_argument("--mongodb-uri", help="mongodb:// URI naming the database (default: MONGODB_URI)")
    args = parser.parse_args(argv)
    targets = _Targets()
    url, uri = args.url or targets.database_url, args.mongodb_uri or targets.mongodb_uri
    if not url or not uri:
        parser.error("no database: pass --url and --mongodb-uri, or set DATABASE_URL and MONGODB_URI")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    changes = bring_up_to_date(url, mongo_database(uri))
    print("migrations applied:", ", ".join(changes.migrations) or "nothing (up to date)")  # noqa: T201
    print("indexes ensured:", len(changes.indexes))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
