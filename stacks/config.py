"""Typed stage settings: what differs between ``dev``, ``staging`` and ``prod``.

A stage is chosen with CDK context (``cdk synth -c stage=prod``). Each known stage starts from
the presets below; any field can then be overridden from context, either one key at a time
(``-c log_retention_days=30``) or as a mapping under ``stage_settings`` in ``cdk.json``
(``{"context": {"stage_settings": {"prod": {"alarm_email": "ops@example.com"}}}}``).
Values arrive from the CLI as strings; pydantic converts and validates them, so a typo fails the
synth with a message instead of deploying something surprising.

Some settings have no default anywhere (:data:`REQUIRED_SETTINGS`: the sender of emails, the
admins' address, Stripe's return URLs, the browser origins, Stripe's event source): a stage
that does not give them fails
the synth naming each one and how to give it. ``cdk.json`` gives the ``dev`` stage local values
explicitly; outside ``dev`` a local or placeholder value (localhost, ``.local``, ``.example``,
``.invalid``) is refused, so no deployed stage ships one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

#: log retention periods CloudWatch Logs accepts
ALLOWED_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

_PARTNER_SOURCE = re.compile(r"^aws\.partner/stripe\.com/ed_[A-Za-z0-9_\-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^/\s?#]+(/[^\s]*)?$")
_ORIGIN = re.compile(r"^https?://[^/\s?#*]+$")
#: hosts that only make sense on a developer's machine or in documentation
_LOCAL_HOST = re.compile(
    r"(^|[/@.])(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])([:/]|$)|\.(local|example|invalid|test)([:/]|$)"
)
#: the stage whose values in cdk.json may be local ones (the infra tests synthesize it)
LOCAL_STAGE = "dev"
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9]{1,11}$")
#: an AWS region name: ``us-east-1``, ``eu-central-2``, ``us-gov-west-1``, ``ap-southeast-5``
_REGION = re.compile(
    r"^[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-[1-9]$"
)
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{4,31}$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]+$")

RemovalPolicyName = Literal["destroy", "retain", "snapshot"]
Architecture = Literal["x86_64", "arm64"]
PythonRuntime = Literal["python3.12", "python3.13"]


def _partner_source(value: str) -> str:
    if not _PARTNER_SOURCE.match(value):
        raise ValueError("expected Stripe's partner event source, aws.partner/stripe.com/ed_...")
    return value


def _secret_arn(value: str) -> str | None:
    if value and not (value.startswith("arn:") and ":secretsmanager:" in value):
        raise ValueError("existing_database_secret_arn must be a Secrets Manager secret ARN")
    return value or None


#: a stage's or a region's Stripe partner event source
PartnerEventSource = Annotated[str, AfterValidator(_partner_source)]
#: a Secrets Manager secret ARN (an empty value is no secret)
SecretArn = Annotated[str, AfterValidator(_secret_arn)]


class RegionSettings(BaseModel):
    """What may differ per region of a multi-region stage; unset = the stage's value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Stripe's partner event source in this region (an event destination is per region)
    stripe_partner_event_source: PartnerEventSource | None = None
    #: the secret of this region's self-managed PostgreSQL replica (with an existing database)
    existing_database_secret_arn: SecretArn | None = None
    #: an ACM certificate in this region for ``domain_name``; unset = one made with DNS validation
    certificate_arn: str | None = None
    #: the two availability zones of the region's VPC, named so synth needs no lookup; unset =
    #: ``<region>a`` and ``<region>b`` (set it where the account has no zone ``a``, e.g. us-west-1)
    availability_zones: tuple[str, str] | None = None

    @field_validator("certificate_arn")
    @classmethod
    def _certificate_arn(cls, value: str | None) -> str | None:
        if value is not None and not _ACM_ARN.match(value):
            raise ValueError("certificate_arn must be an ACM certificate ARN")
        return value


class StageConfig(BaseModel):
    """Everything a stage may set. Frozen: built once from context, then only read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str = "dev"
    #: AWS account and region; ``None`` = environment-agnostic (taken from the CLI's credentials)
    account: str | None = None
    region: str | None = None
    #: the regions the stage runs in, the primary first (its Aurora writer, the source of the
    #: images' replication); unset = ``[region]``, the single-region stage. More than one needs
    #: an explicit ``account``, ``domain_name`` and hosted zone (synth makes no lookups).
    regions: tuple[str, ...] = ()
    #: per-region overrides of a multi-region stage, by region name
    region_settings: dict[str, RegionSettings] = Field(default_factory=dict)
    #: the API's custom domain (latency-routed to every region), in the hosted zone below
    domain_name: str | None = None
    hosted_zone_id: str | None = None
    hosted_zone_name: str | None = None
    #: Route 53's health check of each region's ``/health``: seconds between checks (10 = fast)
    #: and consecutive failures before the region's latency record is withdrawn
    health_check_interval_s: Literal[10, 30] = 30
    health_check_failure_threshold: int = Field(default=3, ge=1, le=10)

    log_retention_days: int = 14
    removal_policy: RemovalPolicyName = "destroy"

    # PostgreSQL: Aurora Serverless v2 unless an existing server's secret is given
    aurora_min_acu: float = Field(default=0.5, ge=0, le=256)
    aurora_max_acu: float = Field(default=2, ge=1, le=256)
    aurora_reader: bool = False
    nat_gateways: int = Field(default=1, ge=0, le=3)
    #: ARN of a Secrets Manager secret (host, port, username, password, dbname) of a
    #: self-managed PostgreSQL; when set, no VPC, cluster or proxy is created
    existing_database_secret_arn: SecretArn | None = None
    database_name: str = "resale"

    #: name of the Secrets Manager secret holding the MongoDB URI (Atlas or DocumentDB)
    mongodb_uri_secret_name: str = "resale/dev/mongodb-uri"  # noqa: S105 - a name, not a secret
    #: Stripe's partner event source for this stage's Stripe account (Stripe dashboard →
    #: Amazon EventBridge)
    stripe_partner_event_source: PartnerEventSource

    alarm_email: str | None = None

    lambda_architecture: Architecture = "x86_64"
    lambda_runtime: PythonRuntime = "python3.12"
    #: Powertools for AWS Lambda (Python) v3 layer: the release whose published SSM parameter
    #: gives the layer ARN, or an explicit layer version number of the public layer
    powertools_version: str = "3.37.0"
    powertools_layer_version: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    api_throttle_rate_limit: float = Field(default=50, gt=0)
    api_throttle_burst_limit: int = Field(default=100, gt=0)
    #: browser origins allowed to call the API and to upload images with presigned URLs; the
    #: first is the one API Gateway's own error responses name (they cannot choose per request)
    cors_allowed_origins: tuple[str, ...] = Field(min_length=1)
    #: the address every email is sent from (verified in SES or SendGrid for this stage)
    email_sender: str
    #: where the platform's admins read what needs a person (e.g. a refund Stripe could not pay)
    admin_email: str
    #: where Stripe's hosted onboarding sends a seller who finished, and one whose link expired
    onboarding_return_url: str
    onboarding_refresh_url: str
    #: images uploaded under this prefix are deleted unless confirmed (moved) within the window
    unconfirmed_upload_prefix: str = "uploads/"
    unconfirmed_upload_expiry_days: int = Field(default=1, ge=1)

    @field_validator("stage")
    @classmethod
    def _stage_name(cls, value: str) -> str:
        if not _STAGE_NAME.match(value):
            raise ValueError("a stage name is 2-12 lowercase letters or digits, starting with a letter")
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_regions(cls, values: Any) -> Any:
        """``regions`` defaults to ``[region]``; ``region`` defaults to the first of ``regions``."""
        if not isinstance(values, dict):
            return values
        regions = tuple(values.get("regions") or ())
        region = values.get("region")
        if not regions and region:
            return {**values, "regions": (region,)}
        if regions and not region:
            return {**values, "region": regions[0]}
        return values

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [region for region in value if not _REGION.match(region)]
        if bad:
            raise ValueError(f"not AWS region names: {bad}")
        if len(set(value)) != len(value):
            raise ValueError(f"each region once: {list(value)}")
        return value

    @field_validator("domain_name", "hosted_zone_name")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and not _DOMAIN.match(value.rstrip(".")):
            raise ValueError("expected a lowercase DNS name, like api.your-domain.com")
        return value.rstrip(".") if value else value

    @field_validator("hosted_zone_id")
    @classmethod
    def _zone_id(cls, value: str | None) -> str | None:
        if value is not None and not _HOSTED_ZONE_ID.match(value):
            raise ValueError("expected a Route 53 hosted zone id, like Z0123456789ABCDEFGHIJ")
        return value

    @model_validator(mode="after")
    def _multi_region(self) -> StageConfig:
        if self.regions and self.region != self.regions[0]:
            raise ValueError(f"region {self.region!r} must be the first of regions {list(self.regions)}")
        unknown = sorted(set(self.region_settings) - set(self.regions))
        if unknown:
            raise ValueError(f"region_settings names regions the stage does not run in: {unknown}")
        if not self.is_multi_region:
            return self
        missing = [
            name
            for name in ("account", "domain_name", "hosted_zone_id", "hosted_zone_name")
            if getattr(self, name) is None
        ]
        if missing:
            raise ValueError(f"a multi-region stage needs explicit settings: {', '.join(missing)}")
        if self.account is not None and not _ACCOUNT.match(self.account):
            raise ValueError("account must be a 12-digit AWS account id")
        zone = str(self.hosted_zone_name)
        if str(self.domain_name) != zone and not str(self.domain_name).endswith(f".{zone}"):
            raise ValueError(f"domain_name {self.domain_name!r} is not in the hosted zone {zone!r}")
        given = {r for r, s in self.region_settings.items() if s.existing_database_secret_arn}
        if self.existing_database_secret_arn is None and given:
            raise ValueError(f"a replica's secret without an existing database: {sorted(given)}")
        if self.existing_database_secret_arn is not None:
            without = [r for r in self.regions[1:] if r not in given]
            if without:
                raise ValueError(
                    "with an existing database, each secondary region needs its replica's secret: "
                    f"region_settings.<region>.existing_database_secret_arn for {without}"
                )
        for name, settings in self.region_settings.items():
            zones = settings.availability_zones or ()
            if any(not (zone.startswith(name) and len(zone) == len(name) + 1) for zone in zones):
                raise ValueError(f"the availability zones of {name} are {name}a, {name}b ...: {list(zones)}")
            match = _ACM_ARN.match(settings.certificate_arn or "")
            if match and match.group(1) != name:
                raise ValueError(f"the certificate of {name} must be in {name}, not {match.group(1)}")
        return self

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in ALLOWED_RETENTION_DAYS:
            raise ValueError(f"CloudWatch Logs accepts retention days in {sorted(ALLOWED_RETENTION_DAYS)}")
        return value

    @field_validator("email_sender", "admin_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("expected an email address, like no-reply@your-domain.com")
        return value

    @field_validator("onboarding_return_url", "onboarding_refresh_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not _URL.match(value):
            raise ValueError("expected an absolute http(s) URL of your web app")
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [origin for origin in value if not _ORIGIN.match(origin)]
        if bad:
            raise ValueError(f"an origin is scheme://host[:port], no path and no wildcard: {bad}")
        return value

    @field_validator("unconfirmed_upload_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not value or value.startswith("/") or not value.endswith("/"):
            raise ValueError("the upload prefix is a key prefix like 'uploads/'")
        return value

    @model_validator(mode="after")
    def _capacity(self) -> StageConfig:
        if self.aurora_min_acu > self.aurora_max_acu:
            raise ValueError("aurora_min_acu must not exceed aurora_max_acu")
        return self

    @model_validator(mode="after")
    def _no_local_values_when_deployed(self) -> StageConfig:
        if self.stage == LOCAL_STAGE:
            return self
        local = [
            f"{name}={value!r}"
            for name in ("email_sender", "admin_email", "onboarding_return_url", "onboarding_refresh_url")
            if _LOCAL_HOST.search(value := str(getattr(self, name)))
        ]
        local += [
            f"cors_allowed_origins has {origin!r}"
            for origin in self.cors_allowed_origins
            if _LOCAL_HOST.search(origin)
        ]
        if local:
            raise ValueError(
                f"stage {self.stage!r} would ship local or placeholder values: {'; '.join(local)}"
            )
        return self

    @property
    def is_multi_region(self) -> bool:
        return len(self.regions) > 1

    def in_region(self, region: str) -> StageConfig:
        """This stage's settings as one region sees them: its ``region``, its overrides."""
        if region not in self.regions:
            raise ValueError(f"stage {self.stage!r} does not run in {region!r}")
        overrides = self.region_settings.get(region, RegionSettings())
        stage_secret = self.existing_database_secret_arn if region == self.regions[0] else None
        secret = overrides.existing_database_secret_arn or stage_secret
        return self.model_copy(
            update={
                "region": region,
                "stripe_partner_event_source": overrides.stripe_partner_event_source
                or self.stripe_partner_event_source,
                "existing_database_secret_arn": secret,
            }
        )

    @property
    def uses_aurora(self) -> bool:
        return self.existing_database_secret_arn is None

    @property
    def prefix(self) -> str:
        """Prefix of every physical name in this stage: ``resale-dev``."""
        return f"resale-{self.stage}"


#: presets per known stage; an unknown stage name starts from ``dev``'s
STAGE_PRESETS: dict[str, dict[str, Any]] = {
    "dev": {},
    "staging": {
        "log_retention_days": 30,
        "removal_policy": "snapshot",
        "aurora_max_acu": 4,
    },
    "prod": {
        "log_retention_days": 365,
        "removal_policy": "retain",
        "aurora_min_acu": 0.5,
        "aurora_max_acu": 16,
        "aurora_reader": True,
        "nat_gateways": 2,
        "api_throttle_rate_limit": 500,
        "api_throttle_burst_limit": 1000,
    },
}


def load_stage(context: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> StageConfig:
    """Build the stage's settings from CDK context (and the CLI's default account/region).

    ``context`` is what ``app.node.try_get_context`` sees: ``stage``, any field of
    :class:`StageConfig`, and ``stage_settings: {<stage>: {<field>: value}}``.
    """
    env = os.environ if environ is None else environ
    stage = str(context.get("stage") or "dev")
    values: dict[str, Any] = {
        "stage": stage,
        "mongodb_uri_secret_name": f"resale/{stage}/mongodb-uri",
        "account": env.get("CDK_DEFAULT_ACCOUNT"),
        "region": env.get("CDK_DEFAULT_REGION"),
    }
    values.update(STAGE_PRESETS.get(stage, {}))
    per_stage = context.get("stage_settings") or {}
    if not isinstance(per_stage, Mapping):
        raise TypeError("context 'stage_settings' must map a stage name to its settings")
    values.update(per_stage.get(stage, {}))
    region_given = "region" in per_stage.get(stage, {}) or context.get("region") is not None
    for name in StageConfig.model_fields:
        if name != "stage" and context.get(name) is not None:
            values[name] = context[name]
    for name in ("cors_allowed_origins", "regions"):
        if isinstance(values.get(name), str):
            values[name] = tuple(values[name].split(","))
    if values.get("regions") and not region_given:
        values["region"] = None  # the first of the stage's regions, not the CLI's default one
    if values.get("existing_database_secret_arn") == "":
        values["existing_database_secret_arn"] = None
    missing = [name for name in REQUIRED_SETTINGS if values.get(name) in (None, "", (), [])]
    if missing:
        raise MissingStageSettingsError(stage, missing)
    return StageConfig.model_validate(values)


#: the settings no stage gets by default, with what each is and an example value
REQUIRED_SETTINGS: dict[str, tuple[str, str]] = {
    "email_sender": ("the address emails are sent from", "no-reply@mail.your-domain.com"),
    "admin_email": ("where the platform's admins are told what needs a person", "ops@your-domain.com"),
    "onboarding_return_url": (
        "where Stripe sends a seller who finished onboarding",
        "https://app.your-domain.com/sell/onboarding/done",
    ),
    "onboarding_refresh_url": (
        "where Stripe sends a seller whose onboarding link expired",
        "https://app.your-domain.com/sell/onboarding",
    ),
    "cors_allowed_origins": (
        "the browser origins allowed to call the API (comma-separated on the CLI)",
        "https://app.your-domain.com",
    ),
    "stripe_partner_event_source": (
        "Stripe's partner event source (Stripe dashboard -> Amazon EventBridge)",
        "aws.partner/stripe.com/ed_<your event destination id>",
    ),
}


class MissingStageSettingsError(ValueError):
    """A stage lacks settings that have no default: the message says which and how to give them."""

    def __init__(self, stage: str, missing: list[str]) -> None:
        self.stage = stage
        self.missing = missing
        lines = [f"stage {stage!r} is missing required settings: {', '.join(missing)}."]
        lines += [f"  {name}: {REQUIRED_SETTINGS[name][0]}" for name in missing]
        example: dict[str, Any] = {name: REQUIRED_SETTINGS[name][1] for name in missing}
        if "cors_allowed_origins" in example:
            example["cors_allowed_origins"] = [example["cors_allowed_origins"]]
        cli = " ".join(f"-c {name}={REQUIRED_SETTINGS[name][1]}" for name in missing)
        lines += [
            "Give them in cdk.json, under context.stage_settings:",
            f"  {json.dumps({stage: example})}",
            f"or on the command line: npx cdk synth -c stage={stage} {cli}",
        ]
        super().__init__("\n".join(lines))
