"""The wiring: one container per capability per cold start, dropped (and closed) by a reset; the
settings read from the environment, the DSN built from it, the missing ones named."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError

from adapters.aws.stepfunctions import MissingStateMachine
from lambdas import wiring
from lambdas.wiring import catalog, core, fees, payouts, platform
from lambdas.wiring.platform import OpenApiSettings
from lambdas.wiring.settings import CorsSettings, DatabaseSettings, PlatformSettings, environment_of, load
from tests.fakes.clock import T0, FakeClock
from tests.unit.payouts.test_reconciliation import FakeLedger, FakeStripe
from workflows.payouts.reconciliation import Reconciliation

if TYPE_CHECKING:
    from collections.abc import Iterator

DATABASE_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_SECRET_ARN",
    "DATABASE_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
)


@pytest.fixture(autouse=True)
def cold_start(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts and ends as a new cold start, its environment its own."""
    for name in DATABASE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    wiring.reset()
    yield
    wiring.reset()


class FakePool:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_given_two_asks_then_one_container_is_built_and_a_reset_builds_a_new_one() -> None:
    first = core.wiring()
    assert core.wiring() is first
    assert platform.wiring() is platform.wiring()
    wiring.reset()
    assert core.wiring() is not first


def test_given_an_override_by_assignment_then_it_is_used_until_the_reset() -> None:
    probes: dict[str, Any] = {"postgres": object()}
    platform.wiring().probes = probes
    assert platform.wiring().probes is probes
    wiring.reset()
    assert platform.wiring().probes is not probes


def test_given_an_open_pool_when_reset_then_it_is_closed_and_forgotten() -> None:
    pool = FakePool()
    core.wiring().pg_pool = pool  # type: ignore[assignment]
    wiring.reset()
    assert pool.closed
    assert "pg_pool" not in vars(core.wiring())


def test_given_a_reset_then_every_container_is_new_and_none_keeps_a_closed_pool() -> None:
    pool = FakePool()
    core.wiring().pg_pool = pool  # type: ignore[assignment]
    before = (core.wiring(), payouts.wiring(), platform.wiring())
    wiring.reset()
    after = (core.wiring(), payouts.wiring(), platform.wiring())
    assert all(old is not new for old, new in zip(before, after, strict=True))
    assert pool.closed and core.wiring().__dict__.get("pg_pool") is not pool


def test_given_a_url_then_it_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@127.0.0.1:5432/resale")
    assert core.wiring().database_url() == "postgresql://u@127.0.0.1:5432/resale"


def test_given_the_aurora_secret_and_a_proxy_then_the_url_goes_through_the_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:db")
    monkeypatch.setenv("DATABASE_HOST", "proxy.example")
    monkeypatch.setenv("DATABASE_NAME", "resale")
    secret = {"username": "app", "password": "p@ss/word", "host": "cluster.example", "port": 5432}
    asked: list[str] = []
    core.wiring().secret = lambda arn: asked.append(arn) or secret  # type: ignore[method-assign]
    assert (
        core.wiring().database_url()
        == "postgresql://app:p%40ss%2Fword@proxy.example:5432/resale?sslmode=require"
    )
    assert asked == ["arn:aws:secretsmanager:us-east-1:1:secret:db"]


def test_given_no_database_setting_then_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="DATABASE_URL or DATABASE_SECRET_ARN"):
        core.wiring().database_url()


def test_given_a_plain_key_or_only_a_secret_then_the_right_one_is_used() -> None:
    c = core.wiring()
    c.secret = lambda arn: {"api_key": f"from {arn}"}  # type: ignore[method-assign]
    assert c.given_or_secret("plain", "arn:s", "api_key", "a key") == "plain"
    assert c.given_or_secret(None, "arn:s", "api_key", "a key") == "from arn:s"
    with pytest.raises(RuntimeError, match="no SendGrid API key: set it, or the ARN"):
        c.given_or_secret(None, None, "api_key", "SendGrid API key")


def test_given_a_required_variable_missing_then_the_cold_start_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "idempotency")
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    with pytest.raises(ValidationError, match="EVENT_BUS_NAME"):
        load(PlatformSettings)
    monkeypatch.setenv("EVENT_BUS_NAME", "domain")
    assert core.wiring().settings.event_bus_name == "domain"


def test_given_structured_variables_then_they_are_read_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", '["https://a.example", "https://b.example"]')
    assert load(CorsSettings).allowed_origins == ("https://a.example", "https://b.example")
    monkeypatch.setenv("PUBLIC_ROUTES", '[["GET", "/health"]]')
    monkeypatch.setenv("API_MODULES", '["lambdas.api.health"]')
    settings = load(OpenApiSettings)
    assert settings.public_routes == [("GET", "/health")]
    assert settings.api_modules == ("lambdas.api.health",)


def test_given_a_structured_variable_that_is_not_json_then_the_error_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://a.example")
    with pytest.raises(ValidationError, match="CORS_ALLOWED_ORIGINS"):
        load(CorsSettings)


def test_given_scalar_variables_then_they_are_validated_and_the_others_ignored() -> None:
    environ = {"DATABASE_PORT": "6432", "DATABASE_URL": "postgresql://x", "UNRELATED": "1"}
    assert environment_of(DatabaseSettings, environ) == {
        "DATABASE_PORT": "6432",
        "DATABASE_URL": "postgresql://x",
    }
    settings = DatabaseSettings.model_validate(environment_of(DatabaseSettings, environ))
    assert (settings.database_port, settings.database_url) == (6432, "postgresql://x")
    with pytest.raises(ValidationError, match="DATABASE_PORT"):
        DatabaseSettings.model_validate(environment_of(DatabaseSettings, {"DATABASE_PORT": "six"}))


def test_given_settings_made_in_code_then_fields_are_named_and_frozen() -> None:
    settings = DatabaseSettings(database_url="postgresql://y", mongodb_database="other")
    assert (settings.database_url, settings.mongodb_database) == ("postgresql://y", "other")
    with pytest.raises(ValidationError):
        settings.database_url = "postgresql://z"


def test_given_aws_clients_then_one_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_REGION": "eu-west-1",
        "EVENT_BUS_NAME": "domain",
        "IDEMPOTENCY_TABLE": "i",
    }.items():
        monkeypatch.setenv(name, value)
    c = core.wiring()
    s3 = c.aws("s3")
    assert c.aws("s3") is s3
    assert c.aws("sns") is not s3
    assert s3.meta.region_name == "eu-west-1"


def test_given_no_state_machine_arn_then_building_is_fine_and_starting_names_the_setting() -> None:
    asked: list[str] = []
    c = core.wiring()

    def client(service: str) -> Any:
        asked.append(service)

    c.aws = client  # type: ignore[method-assign]
    starter = c.starter(None, "PAYOUT_STATE_MACHINE_ARN")
    with pytest.raises(MissingStateMachine, match="PAYOUT_STATE_MACHINE_ARN is not set"):
        starter.start("order-1", {})
    assert asked == []  # no client was made for it


def test_given_capabilities_that_share_the_listings_then_they_share_one_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1")
    assert fees.wiring().listings is catalog.wiring().listings
    assert catalog.wiring().db is core.wiring().mongo_db


def test_given_the_reconciliation_then_it_reads_the_clock_for_its_default_window() -> None:
    clock = FakeClock(T0)
    payouts.wiring().reconciliation = Reconciliation(FakeLedger(), FakeStripe(), clock)
    clock.advance(timedelta(hours=1))
    report = payouts.wiring().reconciliation.report()
    assert report["clean"] is True
    assert report["window"]["to"] == (T0 + timedelta(hours=1)).isoformat()
    assert report["window"]["from"] == (T0 + timedelta(hours=1) - timedelta(days=2)).isoformat()
