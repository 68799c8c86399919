"""The local cloud does at start what a deploy's trigger does: it runs the migrate function, so
the functions' own MongoDB database has every index and PostgreSQL every migration before the
first request (no function ensures an index at its cold start)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo import TEXT

from adapters.mongo.client import mongo_database
from adapters.mongo.indexes import INDEXES
from adapters.postgres.migrate import applied_migrations
from tests.integration.test_databases import MIGRATION_IDS

if TYPE_CHECKING:
    from local.runtime import LocalCloud


def test_given_a_started_cloud_then_the_functions_databases_are_up_to_date(cloud: LocalCloud) -> None:
    # (the session's cloud is given its databases: nothing but the migrate function made these)
    assert "on_deploy" in cloud.timings
    assert applied_migrations(cloud.postgres_url) == MIGRATION_IDS
    db = mongo_database(cloud.mongodb_uri, cloud.config.mongodb_database)
    for index in INDEXES:
        if all(direction != TEXT for _, direction in index.keys):
            fields = [[f for f, _ in i["key"]] for i in db[index.collection].index_information().values()]
            assert [f for f, _ in index.keys] in fields, index
