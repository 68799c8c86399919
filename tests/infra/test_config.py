"""Stage settings from CDK context: presets, overrides, validation. No synth here."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from stacks.config import REQUIRED_SETTINGS, MissingStageSettingsError, StageConfig, load_stage
from tests.infra.synth import cdk_context

#: the settings a deployed stage must give (no default anywhere), as a prod operator would
PROD_REQUIRED = {
    "email_sender": "no-reply@mail.resale-market.com",
    "admin_email": "ops@resale-market.com",
    "onboarding_return_url": "https://app.resale-market.com/sell/onboarding/done",
    "onboarding_refresh_url": "https://app.resale-market.com/sell/onboarding",
    "cors_allowed_origins": "https://app.resale-market.com,https://admin.resale-market.com",
    "stripe_partner_event_source": "aws.partner/stripe.com/ed_61ProdAccount",
}
#: what cdk.json gives the dev stage explicitly (the infra tests synthesize dev with it)
DEV = cdk_context()


def _valid(**overrides):
    """A complete StageConfig input: the required settings plus ``overrides``."""
    origins = tuple(PROD_REQUIRED["cors_allowed_origins"].split(","))
    return {**PROD_REQUIRED, "cors_allowed_origins": origins, "stage": "prod", **overrides}


def test_the_complete_input_the_bad_settings_start_from_is_valid():
    assert StageConfig.model_validate(_valid()).stage == "prod"


def test_dev_is_the_default_stage_with_aurora():
    config = load_stage({"stage_settings": DEV["stage_settings"]}, environ={})
    assert config.stage == "dev"
    assert config.uses_aurora
    assert config.removal_policy == "destroy"
    assert config.log_retention_days == 14
    assert config.mongodb_uri_secret_name == "resale/dev/mongodb-uri"
    assert config.stripe_partner_event_source.startswith("aws.partner/stripe.com/ed_")
    assert config.prefix == "resale-dev"


def test_prod_preset_then_cli_overrides_as_strings():
    # Given `-c stage=prod -c log_retention_days=731 -c aurora_max_acu=32` (the CLI passes strings)
    config = load_stage(
        {"stage": "prod", "log_retention_days": "731", "aurora_max_acu": "32", **PROD_REQUIRED}, environ={}
    )
    assert config.removal_policy == "retain"
    assert config.log_retention_days == 731
    assert config.aurora_max_acu == 32
    assert config.nat_gateways == 2


def test_stage_settings_from_cdk_json_apply_to_their_stage_only():
    context = {
        "stage": "staging",
        "stage_settings": {
            "staging": {"alarm_email": "a@example.com", **PROD_REQUIRED},
            "prod": {"alarm_email": "p@example.com"},
        },
    }
    assert load_stage(context, environ={}).alarm_email == "a@example.com"


def test_account_and_region_come_from_the_cli_environment():
    config = load_stage(
        {"stage_settings": DEV["stage_settings"]},
        environ={"CDK_DEFAULT_ACCOUNT": "111122223333", "CDK_DEFAULT_REGION": "eu-west-1"},
    )
    assert (config.account, config.region) == ("111122223333", "eu-west-1")


def test_an_empty_existing_database_arn_means_aurora():
    context = {"existing_database_secret_arn": "", "stage_settings": DEV["stage_settings"]}
    assert load_stage(context, environ={}).uses_aurora


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("log_retention_days", 13),
        ("stripe_partner_event_source", "aws.partner/example.com/abc"),
        ("existing_database_secret_arn", "resale/prod/postgres"),
        ("stage", "Prod"),
        ("aurora_min_acu", 4),
        ("unconfirmed_upload_prefix", "/uploads"),
        ("no_such_setting", 1),
        ("email_sender", "no-reply"),
        ("onboarding_return_url", "/sell/onboarding/done"),
        ("cors_allowed_origins", ("https://app.resale-market.com/",)),
        ("cors_allowed_origins", ("*",)),
        ("cors_allowed_origins", ()),
    ],
)
def test_bad_settings_fail_loudly(field, value):
    with pytest.raises(ValidationError):
        StageConfig.model_validate(_valid(**{field: value}))


def test_settings_are_frozen():
    config = load_stage({"stage_settings": DEV["stage_settings"]}, environ={})
    with pytest.raises(ValidationError):
        config.stage = "prod"  # type: ignore[misc]


def test_every_admitted_retention_maps_to_a_cdk_retention():
    from stacks.config import ALLOWED_RETENTION_DAYS
    from stacks.constructs.log_retention import _RETENTION

    assert set(_RETENTION) == ALLOWED_RETENTION_DAYS


# ------------------------------------------------------------------ required settings


def test_every_setting_without_a_default_is_a_documented_required_setting():
    no_default = {name for name, field in StageConfig.model_fields.items() if field.is_required()}
    assert no_default == set(REQUIRED_SETTINGS)


@pytest.mark.parametrize("stage", ["prod", "staging"])
def test_a_deployed_stage_without_its_required_settings_fails_naming_them_and_how_to_give_them(stage):
    # Given `cdk synth -c stage=prod` with cdk.json as shipped (no values for prod)
    with pytest.raises(MissingStageSettingsError) as failure:
        load_stage({**DEV, "stage": stage}, environ={})
    message = str(failure.value)
    # Then the message names every missing setting and both ways to give it
    assert set(failure.value.missing) == set(REQUIRED_SETTINGS)
    for name in REQUIRED_SETTINGS:
        assert name in message
    assert "cdk.json" in message and "stage_settings" in message
    assert f"-c stage={stage} -c email_sender=" in message


def test_one_missing_setting_is_named_alone():
    context = {"stage": "prod", **{k: v for k, v in PROD_REQUIRED.items() if k != "email_sender"}}
    with pytest.raises(MissingStageSettingsError, match="missing required settings: email_sender\\."):
        load_stage(context, environ={})


def test_required_settings_from_cdk_json_or_the_cli_are_typed():
    # Given prod's settings in cdk.json and one given again on the command line
    context = {
        **DEV,
        "stage": "prod",
        "stage_settings": {
            "prod": {**PROD_REQUIRED, "cors_allowed_origins": ["https://a.resale-market.com"]}
        },
        "cors_allowed_origins": "https://app.resale-market.com,https://admin.resale-market.com",
    }
    config = load_stage(context, environ={})
    assert config.email_sender == "no-reply@mail.resale-market.com"
    assert config.onboarding_return_url.endswith("/sell/onboarding/done")
    assert config.cors_allowed_origins == ("https://app.resale-market.com", "https://admin.resale-market.com")


def test_the_dev_stage_gets_local_values_from_cdk_json_explicitly():
    config = load_stage(DEV, environ={})
    assert config.stage == "dev"
    assert config.cors_allowed_origins == ("http://localhost:3000",)
    assert config.email_sender.endswith(".local")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email_sender", "no-reply@resale.local"),
        ("email_sender", "no-reply@resale.example"),
        ("admin_email", "admin@resale.local"),
        ("onboarding_return_url", "http://localhost:3000/sell/onboarding/done"),
        ("onboarding_refresh_url", "https://resale.example/sell/onboarding"),
        ("cors_allowed_origins", ("https://app.resale-market.com", "http://127.0.0.1:3000")),
    ],
)
def test_a_deployed_stage_refuses_local_or_placeholder_values(field, value):
    with pytest.raises(ValidationError, match="would ship local or placeholder values"):
        StageConfig.model_validate(_valid(**{field: value}))
    # the dev stage (synthesized by the tests, from cdk.json) may use them
    StageConfig.model_validate(_valid(stage="dev", **{field: value}))


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ("notifications.NotificationDeliverySettings", "EMAIL_SENDER"),
        ("onboarding.OnboardingSettings", "ONBOARDING_RETURN_URL"),
        ("onboarding.OnboardingSettings", "ONBOARDING_REFRESH_URL"),
        ("settings.CorsSettings", "CORS_ALLOWED_ORIGINS"),
        ("payouts.RefundSettings", "ADMIN_EMAIL"),
    ],
)
def test_the_runtime_settings_have_no_local_default_either(monkeypatch, settings, variable):
    # Given a function environment without the variable the stack sets from the stage
    import importlib

    module, name = settings.split(".")
    model = getattr(importlib.import_module(f"lambdas.wiring.{module}"), name)
    for name in (
        "EMAIL_SENDER",
        "ADMIN_EMAIL",
        "ONBOARDING_RETURN_URL",
        "ONBOARDING_REFRESH_URL",
        "CORS_ALLOWED_ORIGINS",
    ):
        monkeypatch.delenv(name, raising=False)
    # Then its cold start fails naming it, instead of using a placeholder
    with pytest.raises(ValidationError, match=variable):
        model()


def test_every_function_gets_the_stage_settings_the_runtime_reads():
    from stacks.constructs.functions import stage_environment

    env = stage_environment(load_stage(DEV, environ={}))
    assert {
        "EMAIL_SENDER",
        "ADMIN_EMAIL",
        "ONBOARDING_RETURN_URL",
        "ONBOARDING_REFRESH_URL",
        "CORS_ALLOWED_ORIGINS",
    } <= set(env)
    assert json.loads(env["CORS_ALLOWED_ORIGINS"]) == ["http://localhost:3000"]
