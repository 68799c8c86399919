"""Bootstrap builds the database URL from the environment the stack gives a function."""

from __future__ import annotations

import pytest

from lambdas import bootstrap


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch):
    for name in ("DATABASE_URL", "DATABASE_SECRET_ARN", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME"):
        monkeypatch.delenv(name, raising=False)
    bootstrap.database_settings.cache_clear()
    yield
    bootstrap.database_settings.cache_clear()


def test_given_a_url_then_it_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@127.0.0.1:5432/resale")
    assert bootstrap.database_url() == "postgresql://u@127.0.0.1:5432/resale"


def test_given_the_aurora_secret_and_a_proxy_then_the_url_goes_through_the_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:db")
    monkeypatch.setenv("DATABASE_HOST", "proxy.example")
    monkeypatch.setenv("DATABASE_NAME", "resale")
    secret = {"username": "app", "password": "p@ss/word", "host": "cluster.example", "port": 5432}
    monkeypatch.setattr(bootstrap, "_secret_json", lambda arn: secret)
    assert (
        bootstrap.database_url() == "postgresql://app:p%40ss%2Fword@proxy.example:5432/resale?sslmode=require"
    )


def test_given_nothing_then_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="DATABASE_URL or DATABASE_SECRET_ARN"):
        bootstrap.database_url()
