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


# -- notifications


class NotificationDeliverySettings(BaseSettings):
    """How the notification consumers deliver (the providers' keys are in :class:`ProviderSettings`)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    #: a "sending" claim older than this is taken over by a retry (must exceed the consumer's timeout)
    claim_stale_after_s: int = Field(default=120, ge=1, validation_alias="NOTIFICATIONS_CLAIM_STALE_AFTER_S")
    #: the display name emails are sent from (the address is EMAIL_SENDER)
    email_sender_name: str = Field(default="Resale", validation_alias="EMAIL_SENDER_NAME")


# -- accounts


class AccountsSettings(BaseSettings):
    """The user pool and app client of sign-up and login, and the confirmation-code policy."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    user_pool_id: str = Field(validation_alias="USER_POOL_ID")
    user_pool_client_id: str = Field(validation_alias="USER_POOL_CLIENT_ID")
    confirmation_code_ttl_minutes: int = Field(
        default=15, ge=1, le=24 * 60, validation_alias="CONFIRMATION_CODE_TTL_MINUTES"
    )
    #: wrong codes before a confirmation code is locked (a resend issues a new one)
    confirmation_max_attempts: int = Field(default=5, ge=1, validation_alias="CONFIRMATION_MAX_ATTEMPTS")
    #: confirmation codes sent per user per hour
    confirmation_max_sends_per_hour: int = Field(
        default=5, ge=1, validation_alias="CONFIRMATION_MAX_SENDS_PER_HOUR"
    )


# -- catalog


class CatalogSettings(BaseSettings):
    """The images bucket of listing photos."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    images_bucket: str = Field(validation_alias="IMAGES_BUCKET")


class WatchlistSettings(BaseSettings):
    """The DynamoDB tables of watchlists and saved searches."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    watchlists_table: str = Field(validation_alias="WATCHLISTS_TABLE")
    saved_searches_table: str = Field(validation_alias="SAVED_SEARCHES_TABLE")


# -- fees


class FeesSettings(BaseSettings):
    """The fee-calculation state machine the quote API runs synchronously."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    fee_calculation_state_machine_arn: str = Field(validation_alias="FEE_CALCULATION_STATE_MACHINE_ARN")


# -- cart


class CartSettings(BaseSettings):
    """The DynamoDB table of cart lines."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    carts_table: str = Field(validation_alias="CARTS_TABLE")
