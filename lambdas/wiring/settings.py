"""Typed settings read from the environment (nothing else reads it), and :func:`load`.

The settings here are those of every function (the region, the buses, the databases, the
providers' keys, the API's CORS origins); each capability's own are in its wiring module.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

S = TypeVar("S", bound=BaseSettings)


def load(cls: type[S]) -> S:
    """``cls`` filled from the environment. A variable that is missing or invalid raises pydantic's
    ``ValidationError`` naming it (the environment variable, not the field), at the cold start."""
    return cls()


class PlatformSettings(BaseSettings):
    """What every function has: region, stage, the domain bus and the idempotency table."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    #: set only off AWS (the local cloud); boto3 and pynamodb then talk to it
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    stage: str = Field(default="dev", validation_alias="STAGE")
    event_bus_name: str = Field(validation_alias="EVENT_BUS_NAME")
    idempotency_table: str = Field(validation_alias="IDEMPOTENCY_TABLE")


class WaitsSettings(BaseSettings):
    """The table of Step Functions task tokens parked until an outside event arrives."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    task_tokens_table: str = Field(validation_alias="TASK_TOKENS_TABLE")


class DatabaseSettings(BaseSettings):
    """PostgreSQL and MongoDB: a URL (local, tests) or a Secrets Manager secret (deployed)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    database_secret_arn: str | None = Field(default=None, validation_alias="DATABASE_SECRET_ARN")
    #: set by the stack when an RDS Proxy fronts the cluster (the secret names the cluster itself)
    database_host: str | None = Field(default=None, validation_alias="DATABASE_HOST")
    database_port: int | None = Field(default=None, validation_alias="DATABASE_PORT")
    database_name: str | None = Field(default=None, validation_alias="DATABASE_NAME")
    mongodb_uri: str | None = Field(default=None, validation_alias="MONGODB_URI")
    mongodb_secret_arn: str | None = Field(default=None, validation_alias="MONGODB_SECRET_ARN")
    mongodb_database: str = Field(default="resale", validation_alias="MONGODB_DATABASE")


class NotificationsSettings(BaseSettings):
    """The topic notifications are published on (email and SMS fan out from it)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    notifications_topic_arn: str = Field(validation_alias="NOTIFICATIONS_TOPIC_ARN")


class ProviderSettings(BaseSettings):
    """Keys of Stripe, Twilio and SendGrid: plain values locally, Secrets Manager ARNs when deployed."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    stripe_secret_key: str | None = Field(default=None, validation_alias="STRIPE_SECRET_KEY")
    stripe_secret_arn: str | None = Field(default=None, validation_alias="STRIPE_SECRET_ARN")
    stripe_api_base: str | None = Field(default=None, validation_alias="STRIPE_API_BASE")
    #: the webhook endpoints' signing secrets (whsec_..., comma-separated: an account endpoint and
    #: a Connect endpoint each have one); deployed, ``webhook_secret`` in the Stripe secret's JSON
    stripe_webhook_secret: str | None = Field(default=None, validation_alias="STRIPE_WEBHOOK_SECRET")
    twilio_account_sid: str | None = Field(default=None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(default=None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_secret_arn: str | None = Field(default=None, validation_alias="TWILIO_SECRET_ARN")
    twilio_api_base: str | None = Field(default=None, validation_alias="TWILIO_API_BASE")
    twilio_from_number: str | None = Field(default=None, validation_alias="TWILIO_FROM_NUMBER")
    twilio_verify_service_sid: str | None = Field(default=None, validation_alias="TWILIO_VERIFY_SERVICE_SID")
    sendgrid_api_key: str | None = Field(default=None, validation_alias="SENDGRID_API_KEY")
    sendgrid_secret_arn: str | None = Field(default=None, validation_alias="SENDGRID_SECRET_ARN")
    sendgrid_api_base: str | None = Field(default=None, validation_alias="SENDGRID_API_BASE")
    email_provider: Literal["sendgrid", "ses"] = Field(default="sendgrid", validation_alias="EMAIL_PROVIDER")


class CorsSettings(BaseSettings):
    """The browser origins allowed to read the API's answers (a JSON list, set by the stack from
    the stage's ``cors_allowed_origins``; the local cloud sets its own). No default."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    allowed_origins: tuple[str, ...] = Field(min_length=1, validation_alias="CORS_ALLOWED_ORIGINS")
