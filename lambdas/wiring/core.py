"""The core container: settings, AWS clients, the databases, the buses, the providers, the clock.

Everything a capability's wiring plugs in that is not the capability's own. Each member is built
on first use, importing its SDK or driver then: boto3 alone is a third of a cold import, and some
functions make no AWS call. ``instrument(...)`` (X-Ray's patch of a library) runs before the
first client of that library is made.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from lambdas.observability import instrument
from lambdas.wiring import container
from lambdas.wiring.settings import (
    DatabaseSettings,
    NotificationsSettings,
    PlatformSettings,
    ProviderSettings,
    WaitsSettings,
    load,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from botocore.client import BaseClient
    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool
    from pymongo.database import Database
    from sendgrid import SendGridAPIClient
    from stripe import StripeClient
    from twilio.rest import Client as TwilioClient

    from adapters.aws.events import EventBridgePublisher
    from adapters.aws.sns import SnsNotificationPublisher
    from adapters.aws.stepfunctions import StepFunctionsResponder, StepFunctionsStarter
    from adapters.dynamo.connection import DynamoConnection
    from adapters.dynamo.waits import DynamoWaitingTasks
    from workflows.shared.clock import SystemClock


class Core:
    """What every capability's wiring may use (``wiring()`` gives the one instance)."""

    def __init__(self) -> None:
        self._clients: dict[str, BaseClient] = {}

    # -- settings

    @cached_property
    def settings(self) -> PlatformSettings:
        return load(PlatformSettings)

    @cached_property
    def database(self) -> DatabaseSettings:
        return load(DatabaseSettings)

    @cached_property
    def providers(self) -> ProviderSettings:
        return load(ProviderSettings)

    @cached_property
    def clock(self) -> SystemClock:
        """The process's clock (the local cloud installs its time source into every SystemClock)."""
        from workflows.shared.clock import SystemClock

        return SystemClock()

    # -- secrets

    def secret(self, arn: str) -> dict[str, Any]:
        """The JSON object of the Secrets Manager secret ``arn``. Not cached here: Powertools keeps
        it for 5 minutes, so a rolled secret is seen."""
        from aws_lambda_powertools.utilities import parameters

        instrument("botocore")
        value = parameters.get_secret(arn, transform="json", max_age=300)
        if not isinstance(value, dict):
            raise TypeError(f"secret {arn} is not a JSON object")
        return value

    def given_or_secret(self, plain: str | None, arn: str | None, key: str, what: str) -> str:
        """``plain`` when set (locally), else ``key`` of the secret ``arn`` (deployed)."""
        if plain:
            return plain
        if not arn:
            raise RuntimeError(f"no {what}: set it, or the ARN of the secret holding it")
        return str(self.secret(arn)[key])

    # -- AWS

    def aws(self, service: str) -> BaseClient:
        """The boto3 client of ``service`` (one per service per cold start)."""
        client = self._clients.get(service)
        if client is None:
            import boto3
            from botocore.config import Config

            instrument("botocore")
            settings = self.settings
            session = boto3.session.Session(region_name=settings.aws_region)
            # an endpoint override (the local cloud) has no per-operation host prefixes like "sync-"
            config = Config(
                inject_host_prefix=settings.aws_endpoint_url is None, retries={"mode": "standard"}
            )
            client = session.client(service, endpoint_url=settings.aws_endpoint_url, config=config)
            self._clients[service] = client
        return client

    @cached_property
    def dynamo(self) -> DynamoConnection:
        from adapters.dynamo.connection import DynamoConnection

        instrument("botocore")
        settings = self.settings
        return DynamoConnection(region=settings.aws_region, endpoint_url=settings.aws_endpoint_url)

    @cached_property
    def idempotency_layer(self) -> DynamoDBPersistenceLayer:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        return DynamoDBPersistenceLayer(
            table_name=self.settings.idempotency_table, boto3_client=self.aws("dynamodb")
        )

    def idempotent(
        self,
        function: Callable[..., Any],
        *,
        data_keyword: str,
        key_jmespath: str,
        ttl_s: int,
        context: Any,
    ) -> Callable[..., Any]:
        """``function`` made idempotent on DynamoDB by the key found in its ``data_keyword`` argument.

        Built at call time (the persistence layer holds a client, which must not be made at import).
        """
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

        config = IdempotencyConfig(event_key_jmespath=key_jmespath, expires_after_seconds=ttl_s)
        config.register_lambda_context(context)
        return idempotent_function(  # type: ignore[no-any-return]
            data_keyword_argument=data_keyword, persistence_store=self.idempotency_layer, config=config
        )(function)

    @cached_property
    def waiting_tasks(self) -> DynamoWaitingTasks:
        from adapters.dynamo.waits import DynamoWaitingTasks

        return DynamoWaitingTasks(self.dynamo, load(WaitsSettings).task_tokens_table)

    @cached_property
    def task_responder(self) -> StepFunctionsResponder:
        from adapters.aws.stepfunctions import StepFunctionsResponder

        return StepFunctionsResponder(self.aws("stepfunctions"))

    def starter(self, arn: str | None, what: str) -> StepFunctionsStarter:
        """Starts executions of the state machine ``arn``, named by the setting ``what`` (e.g.
        ``PAYOUT_STATE_MACHINE_ARN``). Only the functions that start executions are given the ARN:
        starting without it raises ``MissingStateMachine`` naming ``what``; building does not."""
        from adapters.aws.stepfunctions import StepFunctionsStarter

        return StepFunctionsStarter(lambda: self.aws("stepfunctions"), arn, setting=what)

    @cached_property
    def events(self) -> EventBridgePublisher:
        from adapters.aws.events import EventBridgePublisher

        return EventBridgePublisher(self.aws("events"), self.settings.event_bus_name)

    @cached_property
    def notifications(self) -> SnsNotificationPublisher:
        from adapters.aws.sns import SnsNotificationPublisher

        topic = load(NotificationsSettings).notifications_topic_arn
        return SnsNotificationPublisher(self.aws("sns"), topic)

    # -- databases

    def database_url(self) -> str:
        """PostgreSQL's DSN: ``DATABASE_URL``, or built from the Aurora secret (through the proxy
        when ``DATABASE_HOST`` names one)."""
        settings = self.database
        if settings.database_url:
            return settings.database_url
        if not settings.database_secret_arn:
            raise RuntimeError("set DATABASE_URL or DATABASE_SECRET_ARN")
        secret = self.secret(settings.database_secret_arn)
        host = settings.database_host or secret["host"]
        port = settings.database_port or int(secret.get("port", 5432))
        name = settings.database_name or secret.get("dbname", "resale")
        user, password = quote(str(secret["username"]), safe=""), quote(str(secret["password"]), safe="")
        return f"postgresql://{user}:{password}@{host}:{port}/{name}?sslmode=require"

    @cached_property
    def pg_pool(self) -> ConnectionPool[Connection[DictRow]]:
        from adapters.postgres.pool import make_pool

        return make_pool(self.database_url())

    @cached_property
    def mongo_db(self) -> Database[dict[str, Any]]:
        from adapters.mongo.client import mongo_database

        instrument("pymongo")  # X-Ray listens to the driver's commands: before the client exists
        settings = self.database
        uri = settings.mongodb_uri
        if not uri:
            if not settings.mongodb_secret_arn:
                raise RuntimeError("set MONGODB_URI or MONGODB_SECRET_ARN")
            uri = str(self.secret(settings.mongodb_secret_arn)["uri"])
        return mongo_database(uri, settings.mongodb_database)

    # -- providers (Stripe, Twilio, SendGrid): keys from the environment locally, secrets deployed

    @cached_property
    def stripe(self) -> StripeClient:
        from adapters.providers import stripe_client

        instrument("httplib")  # the SDK's HTTP calls, traced before its first one
        s = self.providers
        key = self.given_or_secret(
            s.stripe_secret_key, s.stripe_secret_arn, "secret_key", "Stripe secret key"
        )
        return stripe_client(key, api_base=s.stripe_api_base)

    @cached_property
    def twilio(self) -> TwilioClient:
        from adapters.providers import twilio_client

        instrument("httplib")  # the SDK's HTTP calls, traced before its first one
        s = self.providers
        sid = self.given_or_secret(
            s.twilio_account_sid, s.twilio_secret_arn, "account_sid", "Twilio account SID"
        )
        token = self.given_or_secret(
            s.twilio_auth_token, s.twilio_secret_arn, "auth_token", "Twilio auth token"
        )
        return twilio_client(sid, token, api_base=s.twilio_api_base)

    @cached_property
    def sendgrid(self) -> SendGridAPIClient:
        from adapters.providers import sendgrid_client

        instrument("httplib")  # the SDK's HTTP calls, traced before its first one
        s = self.providers
        key = self.given_or_secret(s.sendgrid_api_key, s.sendgrid_secret_arn, "api_key", "SendGrid API key")
        return sendgrid_client(key, api_base=s.sendgrid_api_base)

    def close(self) -> None:
        """Close the PostgreSQL pool, if one was opened (``lambdas.wiring.reset`` calls this)."""
        pool = self.__dict__.pop("pg_pool", None)
        if pool is not None:
            pool.close()


def wiring() -> Core:
    return container(Core)
