"""Typed settings read from the environment (nothing else reads it), and :func:`load`.

The settings here are those of every function (the region, the buses, the databases, the
providers' keys, the API's CORS origins); each capability's own are in its wiring module.

A settings model is a frozen pydantic model whose fields are named by their environment
variable (``validation_alias``). :func:`load` fills it from ``os.environ``, decoding the values of
structured fields (tuples, lists: the stack writes them as JSON). That is all the functions ask
of a settings library, so they do without one: pydantic-settings' import (its CLI, dotenv and
cloud-secret sources) was a tenth of every cold start.
"""

from __future__ import annotations

import json
import os
import typing
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Base of every settings model: unknown variables ignored, values frozen once read."""

    model_config = ConfigDict(extra="ignore", frozen=True, validate_by_name=True, validate_by_alias=True)


S = TypeVar("S", bound=Settings)

_STRUCTURED = (list, tuple, dict, set, frozenset)


def _structured(annotation: Any) -> bool:
    """Whether a field holds a collection (its variable is JSON), ``X | None`` included."""
    if typing.get_origin(annotation) in _STRUCTURED or annotation in _STRUCTURED:
        return True
    return any(_structured(arg) for arg in typing.get_args(annotation) if arg is not type(None))


def environment_of(cls: type[Settings], environ: typing.Mapping[str, str] | None = None) -> dict[str, Any]:
    """The variables ``cls`` reads, by name; a structured field's value decoded from JSON (left as
    the raw text when it is not JSON, so that pydantic's error names the variable)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        variable = field.validation_alias if isinstance(field.validation_alias, str) else name.upper()
        if variable not in environ:
            continue
        raw = environ[variable]
        if _structured(field.annotation):
            try:
                values[variable] = json.loads(raw)
            except ValueError:
                values[variable] = raw
        else:
            values[variable] = raw
    return values


def load(cls: type[S]) -> S:
    """``cls`` filled from the environment. A variable that is missing or invalid raises pydantic's
    ``ValidationError`` naming it (the environment variable, not the field), at the cold start."""
    return cls.model_validate(environment_of(cls))


class PlatformSettings(Settings):
    """What every function has: region, stage, the domain bus and the idempotency table."""

    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    #: set only off AWS (the local cloud); boto3 and pynamodb then talk to it
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    stage: str = Field(default="dev", validation_alias="STAGE")
    event_bus_name: str = Field(validation_alias="EVENT_BUS_NAME")
    idempotency_table: str = Field(validation_alias="IDEMPOTENCY_TABLE")


class WaitsSettings(Settings):
    """The table of Step Functions task tokens parked until an outside event arrives."""

    task_tokens_table: str = Field(validation_alias="TASK_TOKENS_TABLE")


class DatabaseSettings(Settings):
    """PostgreSQL and MongoDB: a URL (local, tests) or a Secrets Manager secret (deployed)."""

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    database_secret_arn: str | None = Field(default=None, validation_alias="DATABASE_SECRET_ARN")
    #: set by the stack when an RDS Proxy fronts the cluster (the secret names the cluster itself)
    database_host: str | None = Field(default=None, validation_alias="DATABASE_HOST")
    database_port: int | None = Field(default=None, validation_alias="DATABASE_PORT")
    database_name: str | None = Field(default=None, validation_alias="DATABASE_NAME")
    mongodb_uri: str | None = Field(default=None, validation_alias="MONGODB_URI")
    mongodb_secret_arn: str | None = Field(default=None, validation_alias="MONGODB_SECRET_ARN")
    mongodb_database: str = Field(default="resale", validation_alias="MONGODB_DATABASE")


class NotificationsSettings(Settings):
    """The topic notifications are published on (email and SMS fan out from it)."""

    notifications_topic_arn: str = Field(validation_alias="NOTIFICATIONS_TOPIC_ARN")


class ProviderSettings(Settings):
    """Keys of Stripe, Twilio and SendGrid: plain values locally, Secrets Manager ARNs when deployed."""

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


class CorsSettings(Settings):
    """The browser origins allowed to read the API's answers (a JSON list, set by the stack from
    the stage's ``cors_allowed_origins``; the local cloud sets its own). No default."""

    allowed_origins: tuple[str, ...] = Field(min_length=1, validation_alias="CORS_ALLOWED_ORIGINS")
