"""The deploy-time migrate job against real databases: an empty PostgreSQL and MongoDB database
come out with every migration and every index, and a second deploy changes nothing."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import psycopg
from pymongo import TEXT

from adapters.mongo.client import new_client
from adapters.mongo.indexes import INDEXES
from tests.fakes.lambda_runtime import Context
from tests.integration.test_databases import APP_TABLES, MIGRATION_IDS

if TYPE_CHECKING:
    import pytest


def _run_job() -> dict[str, Any]:
    from lambdas import wiring
    from lambdas.jobs.migrate import handler

    wiring.reset()  # a new cold start reads the environment again
    try:
        return handler({}, Context())
    finally:
        wiring.reset()


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {row[0] for row in rows}


def test_given_empty_databases_then_the_job_applies_everything_once(
    pg_empty_url: str, mongo_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an empty PostgreSQL database and a MongoDB database that does not exist yet
    name = f"resale_migrate_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("DATABASE_URL", pg_empty_url)
    monkeypatch.setenv("MONGODB_URI", mongo_uri)
    monkeypatch.setenv("MONGODB_DATABASE", name)
    mongo = new_client(mongo_uri)
    try:
        # When the job runs, as the deploy's trigger invokes it
        first = _run_job()
        # Then every migration is applied in order and every index exists
        assert first["migrations"] == MIGRATION_IDS
        assert first["indexes"] == [f"{i.collection}.{i.options['name']}" for i in INDEXES]
        assert _tables(pg_empty_url) >= APP_TABLES
        assert "processed_events" not in _tables(pg_empty_url)
        db = mongo[name]
        # (by their fields: the local MongoDB server names them and reports their direction its
        # own way, and keeps text indexes apart)
        for index in INDEXES:
            if all(direction != TEXT for _, direction in index.keys):
                fields = [[f for f, _ in i["key"]] for i in db[index.collection].index_information().values()]
                assert [f for f, _ in index.keys] in fields, index
        # And a second deploy applies nothing and leaves the indexes as they were
        before = {c: db[c].index_information() for c in db.list_collection_names()}
        second = _run_job()
        assert second["migrations"] == []
        assert {c: db[c].index_information() for c in db.list_collection_names()} == before
    finally:
        mongo.drop_database(name)
        mongo.close()


def test_the_command_line_entry_point_does_the_same(
    pg_empty_url: str, mongo_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from adapters.schema import main

    name = f"resale_migrate_{uuid.uuid4().hex[:8]}"
    uri = mongo_uri.replace("/?", f"/{name}?") if "/?" in mongo_uri else f"{mongo_uri.rstrip('/')}/{name}"
    mongo = new_client(mongo_uri)
    try:
        assert main(["--url", pg_empty_url, "--mongodb-uri", uri]) == 0
        out = capsys.readouterr().out
        assert MIGRATION_IDS[-1] in out and f"indexes ensured: {len(INDEXES)}" in out
        assert "listings" in mongo[name].list_collection_names()
        assert main(["--url", pg_empty_url, "--mongodb-uri", uri]) == 0
        assert "nothing (up to date)" in capsys.readouterr().out
    finally:
        mongo.drop_database(name)
        mongo.close()
