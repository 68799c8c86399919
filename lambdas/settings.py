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


# -- notifications


class NotificationDeliverySettings(BaseSettings):
    """How the notification consumers deliver (the providers' keys are in :class:`ProviderSettings`)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    #: a "sending" claim older than this is taken over by a retry (must exceed the consumer's timeout)
    claim_stale_after_s: int = Field(default=120, ge=1, validation_alias="NOTIFICATIONS_CLAIM_STALE_AFTER_S")
    #: the address emails are sent from: the stage's setting, no default (the stack and the local
    #: cloud each set it), so that no deployed stage sends from a placeholder
    email_sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", validation_alias="EMAIL_SENDER")
    #: the display name emails are sent from
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


# -- checkout


class CheckoutSettings(BaseSettings):
    """The checkout state machine the API starts, and how long a checkout waits for its payment."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    #: set on the API function only (the steps never start a checkout)
    checkout_state_machine_arn: str | None = Field(
        default=None, validation_alias="CHECKOUT_STATE_MACHINE_ARN"
    )
    checkout_expiry_seconds: int = Field(
        default=1800, ge=60, le=86_400, validation_alias="CHECKOUT_EXPIRY_SECONDS"
    )


# -- onboarding


class OnboardingSettings(BaseSettings):
    """Seller onboarding: its state machine, the reminder and expiry delays, Stripe's return URLs."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    #: only the API function starts executions; the steps have no use for it
    seller_onboarding_state_machine_arn: str | None = Field(
        default=None, validation_alias="SELLER_ONBOARDING_STATE_MACHINE_ARN"
    )
    #: an unfinished onboarding gets a reminder email this long after it started
    remind_after_s: int = Field(default=3 * 86_400, ge=1, validation_alias="ONBOARDING_REMIND_AFTER_S")
    #: ... and expires this long after it started (under the state machine's 40-day timeout)
    expire_after_s: int = Field(
        default=14 * 86_400, ge=1, le=35 * 86_400, validation_alias="ONBOARDING_EXPIRE_AFTER_S"
    )
    #: how long POST /sellers waits for the workflow's onboarding link before answering without it
    link_wait_s: float = Field(default=5.0, ge=0, le=20, validation_alias="ONBOARDING_LINK_WAIT_S")
    #: where Stripe's hosted onboarding sends the seller when done, and when the link expired: the
    #: stage's settings, no default (the stack and the local cloud each set them)
    return_url: str = Field(pattern=r"^https?://", validation_alias="ONBOARDING_RETURN_URL")
    refresh_url: str = Field(pattern=r"^https?://", validation_alias="ONBOARDING_REFRESH_URL")


# -- webhooks


class WebhooksSettings(BaseSettings):
    """The bus verified Stripe webhooks are put on (it has the same rules as the Stripe bus)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    stripe_webhooks_bus_name: str = Field(validation_alias="STRIPE_WEBHOOKS_BUS_NAME")


# -- payouts and fulfilment


class PayoutsSettings(BaseSettings):
    """The payout state machine, the delivery window and the holds on new sellers."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    #: only the OrderPaid consumer starts executions; the steps have no use for it
    payout_state_machine_arn: str | None = Field(default=None, validation_alias="PAYOUT_STATE_MACHINE_ARN")
    #: delivery is confirmed for the buyer this many days after shipment (a fraction for demos)
    auto_confirm_days: float = Field(default=14, gt=0, le=60, validation_alias="AUTO_CONFIRM_DAYS")
    #: a new seller's payouts wait this many days after the payment
    new_seller_hold_days: int = Field(default=7, ge=0, le=90, validation_alias="NEW_SELLER_HOLD_DAYS")
    #: a seller is new for their first this-many sales
    new_seller_sales: int = Field(default=3, ge=0, validation_alias="NEW_SELLER_SALES")
    #: an open dispute or a seller without a connected account is looked at again this often
    payout_recheck_hours: int = Field(default=24, ge=1, validation_alias="PAYOUT_RECHECK_HOURS")


class RefundSettings(BaseSettings):
    """Who hears of a refund Stripe could not pay (the refund events' consumer); no default: a
    stage must say where its admins read mail."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    admin_email: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$", validation_alias="ADMIN_EMAIL")
