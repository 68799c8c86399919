"""Stage settings from CDK context: presets, overrides, validation. No synth here."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from stacks.config import StageConfig, load_stage


def test_dev_is_the_default_stage_with_aurora():
    config = load_stage({}, environ={})
    assert config.stage == "dev"
    assert config.uses_aurora
    assert config.removal_policy == "destroy"
    assert config.log_retention_days == 14
    assert config.mongodb_uri_secret_name == "resale/dev/mongodb-uri"
    assert config.stripe_partner_event_source.startswith("aws.partner/stripe.com/ed_")
    assert config.prefix == "resale-dev"


def test_prod_preset_then_cli_overrides_as_strings():
    # Given `-c stage=prod -c log_retention_days=731 -c aurora_max_acu=32` (the CLI passes strings)
    config = load_stage({"stage": "prod", "log_retention_days": "731", "aurora_max_acu": "32"}, environ={})
    assert config.removal_policy == "retain"
    assert config.log_retention_days == 731
    assert config.aurora_max_acu == 32
    assert config.nat_gateways == 2


def test_stage_settings_from_cdk_json_apply_to_their_stage_only():
    context = {
        "stage": "staging",
        "stage_settings": {
            "staging": {"alarm_email": "a@example.com"},
            "prod": {"alarm_email": "p@example.com"},
        },
    }
    assert load_stage(context, environ={}).alarm_email == "a@example.com"


def test_account_and_region_come_from_the_cli_environment():
    config = load_stage(
        {}, environ={"CDK_DEFAULT_ACCOUNT": "111122223333", "CDK_DEFAULT_REGION": "eu-west-1"}
    )
    assert (config.account, config.region) == ("111122223333", "eu-west-1")


def test_an_empty_existing_database_arn_means_aurora():
    assert load_stage({"existing_database_secret_arn": ""}, environ={}).uses_aurora


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
    ],
)
def test_bad_settings_fail_loudly(field, value):
    with pytest.raises(ValidationError):
        StageConfig.model_validate({field: value})


def test_settings_are_frozen():
    config = load_stage({}, environ={})
    with pytest.raises(ValidationError):
        config.stage = "prod"  # type: ignore[misc]


def test_every_admitted_retention_maps_to_a_cdk_retention():
    from stacks.config import ALLOWED_RETENTION_DAYS
    from stacks.constructs.log_retention import _RETENTION

    assert set(_RETENTION) == ALLOWED_RETENTION_DAYS
