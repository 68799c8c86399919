"""The prod stage on a self-managed PostgreSQL: no VPC, cluster or proxy; data is retained."""

from __future__ import annotations

import pytest

from stacks.topology import TOPOLOGY
from tests.infra.synth import function_named, resources, synthesize

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:resale/prod/postgres-AbCdEf"
PARTNER_SOURCE = "aws.partner/stripe.com/ed_61ProdAccount"


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    # Given the prod stage pointed at an existing database secret
    return synthesize(
        tmp_path_factory.mktemp("cdk.out"),
        stage="prod",
        existing_database_secret_arn=SECRET_ARN,
        stripe_partner_event_source=PARTNER_SOURCE,
        alarm_email="oncall@example.com",
        # the settings prod has no default for (stacks/config.py REQUIRED_SETTINGS)
        email_sender="no-reply@mail.resale-market.com",
        admin_email="ops@resale-market.com",
        onboarding_return_url="https://app.resale-market.com/sell/onboarding/done",
        onboarding_refresh_url="https://app.resale-market.com/sell/onboarding",
        cors_allowed_origins="https://app.resale-market.com",
    )


def test_no_database_cluster_proxy_or_vpc_is_created(synth):
    for resource_type in (
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBProxy",
        "AWS::EC2::VPC",
    ):
        synth.stateful.resource_count_is(resource_type, 0)
        synth.stateless.resource_count_is(resource_type, 0)


def test_postgres_functions_read_the_existing_secret_outside_any_vpc(synth):
    for fn in (f for f in TOPOLOGY.functions if f.uses_postgres):
        props = function_named(synth.stateless, f"resale-prod-{fn.name}")["Properties"]
        assert "VpcConfig" not in props
        variables = props["Environment"]["Variables"]
        assert variables["DATABASE_SECRET_ARN"] == SECRET_ARN
        assert "DATABASE_HOST" not in variables  # the secret carries host and port
    synth.stateless.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                        "Effect": "Allow",
                        "Resource": "*",
                    },
                    {
                        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                        "Effect": "Allow",
                        "Resource": [SECRET_ARN, {"Fn::GetStackOutput": _any_output()}],
                    },
                ]
            }
        },
    )


def _any_output():
    from aws_cdk.assertions import Match

    return Match.object_like({"StackName": "Resale-prod-Stateful"})


def test_prod_retains_data_and_protects_it(synth):
    for table in resources(synth.stateful, "AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True
    for pool in resources(synth.stateful, "AWS::Cognito::UserPool").values():
        assert pool["DeletionPolicy"] == "Retain"
    assert synth.stage.stateful.termination_protection is True


def test_prod_log_retention_and_throttling(synth):
    for fn in TOPOLOGY.functions:
        synth.function_logs.has_resource_properties(
            "AWS::Logs::LogGroup",
            {"LogGroupName": f"/aws/lambda/resale-prod-{fn.name}", "RetentionInDays": 365},
        )
    stage = next(iter(resources(synth.api, "AWS::ApiGateway::Stage").values()))["Properties"]
    assert stage["StageName"] == "prod"
    assert stage["MethodSettings"][0]["ThrottlingRateLimit"] == 500


def test_stripe_bus_uses_the_prod_partner_source(synth):
    synth.stateless.has_resource_properties(
        "AWS::Events::EventBus", {"EventSourceName": PARTNER_SOURCE, "Name": PARTNER_SOURCE}
    )


def test_cfn_lint_finds_no_problem_in_any_template(synth):
    assert synth.lint() == []
