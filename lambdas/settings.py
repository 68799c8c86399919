"""Typed settings, read from the environment once per cold start (nowhere else reads it)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlatformSettings(BaseSettings):
    """What every function has: region, stage, the domain bus and the idempotency table."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    #: set only off AWS (the local cloud); boto3 and pynamodb then talk to it
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    stage: str = Field(default="dev", validation_alias="STAGE")
    event_bus_name: str = Field(validation_alias="EVENT_BUS_NAME")
    idempotency_table: str = Field(validation_alias="IDEMPOTENCY_TABLE")


class OpenApiSettings(BaseSettings):
    """The routes that need no token (the topology gives them to the OpenAPI function)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    public_routes: list[tuple[str, str]] = Field(default_factory=list, validation_alias="PUBLIC_ROUTES")


class WaitsSettings(BaseSettings):
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
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    notifications_topic_arn: str = Field(validation_alias="NOTIFICATIONS_TOPIC_ARN")


class ProviderSettings(BaseSettings):
    """Keys of Stripe, Twilio and SendGrid: plain values locally, Secrets Manager ARNs when deployed."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    stripe_secret_key: str | None = Field(default=None, validation_alias="STRIPE_SECRET_KEY")
    stripe_secret_arn: str | None = Field(default=None, validation_alias="STRIPE_SECRET_ARN")
    stripe_api_base: str | None = Field(default=None, validation_alias="STRIPE_API_BASE")
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
    email_sender: str = Field(default="no-reply@resale.example", validation_alias="EMAIL_SENDER")
