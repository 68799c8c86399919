"""Messaging: conversations and messages in MongoDB, connections in DynamoDB, pushes through
API Gateway's ``@connections`` API, orders and names from PostgreSQL, the missed-message
machine started through Step Functions."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from adapters.aws.connections import ConnectionsPusher
    from adapters.aws.tokens import CognitoTokenVerifier
    from adapters.dynamo.connections import DynamoConnections
    from adapters.mongo.messaging import MongoConversations, MongoUnread
    from workflows.messaging.live import LiveChannel
    from workflows.messaging.service import MessagingService


class MessagingSettings(Settings):
    """The connections table, the ``@connections`` endpoint, the limits and the notice's delay."""

    connections_table: str = Field(validation_alias="CONNECTIONS_TABLE")
    #: the WebSocket stage's callback URL (``https://<api>.execute-api.<region>.amazonaws.com/<stage>``)
    websocket_management_url: str | None = Field(default=None, validation_alias="WEBSOCKET_MANAGEMENT_URL")
    missed_message_state_machine_arn: str | None = Field(
        default=None, validation_alias="MISSED_MESSAGE_STATE_MACHINE_ARN"
    )
    images_bucket: str | None = Field(default=None, validation_alias="IMAGES_BUCKET")
    messages_per_minute: int = Field(default=20, ge=1, validation_alias="MESSAGES_PER_MINUTE")
    messages_per_day: int = Field(default=500, ge=1, validation_alias="MESSAGES_PER_DAY")
    #: a recipient with no open connection is told after this long without reading
    notice_delay_s: int = Field(default=900, ge=0, le=86_400, validation_alias="MESSAGES_NOTICE_DELAY_S")


class AuthorizerSettings(Settings):
    """The user pool whose id tokens open a WebSocket connection."""

    user_pool_id: str = Field(validation_alias="USER_POOL_ID")
    user_pool_client_id: str = Field(validation_alias="USER_POOL_CLIENT_ID")


class Messaging:
    @cached_property
    def settings(self) -> MessagingSettings:
        return load(MessagingSettings)

    @cached_property
    def unread(self) -> MongoUnread:
        """The unread counts alone (``GET /me`` reads the total: no other setting needed)."""
        from adapters.mongo.messaging import MongoUnread

        return MongoUnread(core.wiring().mongo_db)

    @cached_property
    def conversations(self) -> MongoConversations:
        """The conversations alone (an order's timeline names the order's conversation)."""
        from adapters.mongo.messaging import MongoConversations

        return MongoConversations(core.wiring().mongo_db)

    @cached_property
    def connections(self) -> DynamoConnections:
        from adapters.dynamo.connections import DynamoConnections

        return DynamoConnections(core.wiring().dynamo, self.settings.connections_table)

    @cached_property
    def pusher(self) -> ConnectionsPusher:
        import boto3
        from botocore.config import Config

        from adapters.aws.connections import ConnectionsPusher

        url = self.settings.websocket_management_url
        if not url:
            raise RuntimeError("WEBSOCKET_MANAGEMENT_URL is not set: this function pushes no frames")
        c = core.wiring()
        session = boto3.session.Session(region_name=c.settings.aws_region)
        config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=5)
        return ConnectionsPusher(session.client("apigatewaymanagementapi", endpoint_url=url, config=config))

    @cached_property
    def live(self) -> LiveChannel:
        """Frames to users' open connections, for any capability that tells users live."""
        from workflows.messaging.live import LiveChannel

        return LiveChannel(self.connections, _LazyPusher(self), core.wiring().clock)

    @cached_property
    def verifier(self) -> CognitoTokenVerifier:
        from adapters.aws.tokens import CognitoTokenVerifier

        c = core.wiring()
        s = load(AuthorizerSettings)
        region = c.settings.aws_region
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{s.user_pool_id}"
        base = f"{c.settings.aws_endpoint_url}/{s.user_pool_id}" if c.settings.aws_endpoint_url else issuer
        return CognitoTokenVerifier(
            jwks_url=f"{base}/.well-known/jwks.json",
            issuer=issuer,
            audience=s.user_pool_client_id,
            clock=c.clock,
        )

    @cached_property
    def service(self) -> MessagingService:
        from adapters.aws.s3 import S3ImageStore
        from adapters.mongo.messaging import (
            MongoBlocks,
            MongoListingDirectory,
            MongoMessages,
            MongoPendingImages,
            MongoRateCounter,
            MongoReports,
        )
        from adapters.postgres.messaging import PostgresMessagingDirectory
        from workflows.messaging.ratelimits import Limits
        from workflows.messaging.service import MessagingDeps, MessagingService, Policy

        c = core.wiring()
        s = self.settings
        db = c.mongo_db
        directory = PostgresMessagingDirectory(c.pg_pool)
        return MessagingService(
            MessagingDeps(
                conversations=self.conversations,
                messages=MongoMessages(db),
                unread=self.unread,
                blocks=MongoBlocks(db),
                reports=MongoReports(db),
                images=MongoPendingImages(db),
                rates=MongoRateCounter(db),
                connections=self.connections,
                pusher=_LazyPusher(self),
                orders=directory,
                listings=MongoListingDirectory(db),
                people=directory,
                timer=c.starter(s.missed_message_state_machine_arn, "MISSED_MESSAGE_STATE_MACHINE_ARN"),
                notifications=c.notifications,
                events=c.events,
                clock=c.clock,
                waits=c.waiting_tasks,
                responder=c.task_responder,
                bucket=S3ImageStore(c.aws("s3"), s.images_bucket) if s.images_bucket else None,
                policy=Policy(
                    limits=Limits(per_minute=s.messages_per_minute, per_day=s.messages_per_day),
                    notice_delay_s=s.notice_delay_s,
                ),
            )
        )


class _LazyPusher:
    """The pusher built on the first push: a function that never pushes needs no endpoint."""

    def __init__(self, owner: Messaging) -> None:
        self._owner = owner

    def push(self, connection_id: str, frame: dict[str, object]) -> bool:
        return self._owner.pusher.push(connection_id, frame)


def wiring() -> Messaging:
    return container(Messaging)
