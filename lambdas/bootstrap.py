"""Wires adapters to the workflows' ports, once per cold start, lazily, cached.

Handlers ask this module for what they need; nothing here runs at import time. Tests (and the
local cloud, between runs) call :func:`reset` to drop every cached object.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import boto3
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from botocore.config import Config

from adapters.aws.events import EventBridgePublisher
from adapters.aws.sns import SnsNotificationPublisher
from adapters.aws.stepfunctions import StepFunctionsResponder
from adapters.dynamo.connection import DynamoConnection
from adapters.dynamo.waits import DynamoWaitingTasks
from lambdas.settings import (
    DatabaseSettings,
    NotificationsSettings,
    PlatformSettings,
    ProviderSettings,
    WaitsSettings,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.client import BaseClient
    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool
    from pymongo.database import Database
    from sendgrid import SendGridAPIClient
    from stripe import StripeClient
    from twilio.rest import Client as TwilioClient


@cache
def platform() -> PlatformSettings:
    return PlatformSettings()  # type: ignore[call-arg]  # filled from the environment


@cache
def database_settings() -> DatabaseSettings:
    return DatabaseSettings()


@cache
def aws_client(service: str) -> BaseClient:
    settings = platform()
    session = boto3.session.Session(region_name=settings.aws_region)
    # an endpoint override (the local cloud) has no per-operation host prefixes like "sync-"
    config = Config(inject_host_prefix=settings.aws_endpoint_url is None, retries={"mode": "standard"})
    client: BaseClient = session.client(service, endpoint_url=settings.aws_endpoint_url, config=config)
    return client


@cache
def dynamo() -> DynamoConnection:
    settings = platform()
    return DynamoConnection(region=settings.aws_region, endpoint_url=settings.aws_endpoint_url)


@cache
def idempotency_layer() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=platform().idempotency_table,
        boto3_client=aws_client("dynamodb"),
    )


@cache
def waiting_tasks() -> DynamoWaitingTasks:
    return DynamoWaitingTasks(dynamo(), WaitsSettings().task_tokens_table)  # type: ignore[call-arg]


@cache
def task_responder() -> StepFunctionsResponder:
    return StepFunctionsResponder(aws_client("stepfunctions"))


def _secret_json(arn: str) -> dict[str, Any]:
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(arn, transform="json", max_age=300)
    if not isinstance(value, dict):
        raise TypeError(f"secret {arn} is not a JSON object")
    return value


def database_url() -> str:
    settings = database_settings()
    if settings.database_url:
        return settings.database_url
    if not settings.database_secret_arn:
        raise RuntimeError("set DATABASE_URL or DATABASE_SECRET_ARN")
    secret = _secret_json(settings.database_secret_arn)
    host = settings.database_host or secret["host"]
    port = settings.database_port or int(secret.get("port", 5432))
    name = settings.database_name or secret.get("dbname", "resale")
    user, password = quote(str(secret["username"]), safe=""), quote(str(secret["password"]), safe="")
    return f"postgresql://{user}:{password}@{host}:{port}/{name}?sslmode=require"


@cache
def pg_pool() -> ConnectionPool[Connection[DictRow]]:
    from adapters.postgres.pool import make_pool

    return make_pool(database_url())


@cache
def mongo_db() -> Database[dict[str, Any]]:
    from adapters.mongo.client import mongo_database

    settings = database_settings()
    uri = settings.mongodb_uri
    if not uri:
        if not settings.mongodb_secret_arn:
            raise RuntimeError("set MONGODB_URI or MONGODB_SECRET_ARN")
        uri = str(_secret_json(settings.mongodb_secret_arn)["uri"])
    return mongo_database(uri, settings.mongodb_database)


@cache
def event_publisher() -> EventBridgePublisher:
    return EventBridgePublisher(aws_client("events"), platform().event_bus_name)


@cache
def notification_publisher() -> SnsNotificationPublisher:
    settings = NotificationsSettings()  # type: ignore[call-arg]  # filled from the environment
    return SnsNotificationPublisher(aws_client("sns"), settings.notifications_topic_arn)


_CACHED: tuple[Any, ...] = (
    platform,
    database_settings,
    aws_client,
    dynamo,
    idempotency_layer,
    waiting_tasks,
    task_responder,
    mongo_db,
    event_publisher,
    notification_publisher,
)


def reset() -> None:
    """Forget every cached dependency (closing the database pool), as a new cold start would."""
    if pg_pool.cache_info().currsize:
        pg_pool().close()
    pg_pool.cache_clear()
    for cached in _CACHED:
        cached.cache_clear()


def idempotent(
    function: Callable[..., Any], *, data_keyword: str, key_jmespath: str, ttl_s: int, context: Any
) -> Callable[..., Any]:
    """``function`` made idempotent on DynamoDB by the key found in its ``data_keyword`` argument.

    Built at call time (the persistence layer holds a client, which must not be made at import).
    """
    config = IdempotencyConfig(event_key_jmespath=key_jmespath, expires_after_seconds=ttl_s)
    config.register_lambda_context(context)
    return idempotent_function(  # type: ignore[no-any-return]
        data_keyword_argument=data_keyword, persistence_store=idempotency_layer(), config=config
    )(function)


def health_probes() -> dict[str, Any]:
    from adapters.probes import MongoProbe, PostgresProbe

    return {"postgres": PostgresProbe(pg_pool), "mongodb": MongoProbe(mongo_db)}


# -- providers (Stripe, Twilio, SendGrid): keys from the environment locally, secrets when deployed


@cache
def provider_settings() -> ProviderSettings:
    return ProviderSettings()


def _secret_value(arn: str | None, key: str, plain: str | None, what: str) -> str:
    if plain:
        return plain
    if not arn:
        raise RuntimeError(f"no {what}: set it, or the ARN of the secret holding it")
    return str(_secret_json(arn)[key])


@cache
def stripe() -> StripeClient:
    from adapters.providers import stripe_client

    s = provider_settings()
    key = _secret_value(s.stripe_secret_arn, "secret_key", s.stripe_secret_key, "Stripe secret key")
    return stripe_client(key, api_base=s.stripe_api_base)


@cache
def twilio() -> TwilioClient:
    from adapters.providers import twilio_client

    s = provider_settings()
    sid = _secret_value(s.twilio_secret_arn, "account_sid", s.twilio_account_sid, "Twilio account SID")
    token = _secret_value(s.twilio_secret_arn, "auth_token", s.twilio_auth_token, "Twilio auth token")
    return twilio_client(sid, token, api_base=s.twilio_api_base)


@cache
def sendgrid() -> SendGridAPIClient:
    from adapters.providers import sendgrid_client

    s = provider_settings()
    key = _secret_value(s.sendgrid_secret_arn, "api_key", s.sendgrid_api_key, "SendGrid API key")
    return sendgrid_client(key, api_base=s.sendgrid_api_base)


_CACHED += (provider_settings, stripe, twilio, sendgrid)
