"""A multi-region stage (cdk.json's ``global``): each region's stacks, and what makes them one.

Global tables, the Aurora Global Database, the images' replication, the latency-routed custom
domain and Stripe's rule in every region — asserted on the synthesized templates; and the
default (single-region) stage has none of it.
"""

from __future__ import annotations

import json

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Annotations, Match, Template
from cfnlint.api import ManualArgs, lint_file
from pydantic import ValidationError

from stacks.config import load_stage
from stacks.regions import GLOBAL_TABLES
from stacks.topology import TOPOLOGY
from tests.infra.synth import (
    CFN_LINT_IGNORED,
    cdk_context,
    function_named,
    resources,
    synthesize,
    synthesize_regions,
)

STAGE = "global"
SETTINGS = cdk_context()["stage_settings"][STAGE]
PRIMARY, SECONDARY = SETTINGS["regions"]
PARTNER_SOURCES = {
    PRIMARY: SETTINGS["stripe_partner_event_source"],
    SECONDARY: SETTINGS["region_settings"][SECONDARY]["stripe_partner_event_source"],
}
PREFIX = f"resale-{STAGE}"
SECRET_ARN = f"arn:aws:secretsmanager:{PRIMARY}:111111111111:secret:pg-AbCdEf"
PRIMARY_CERTIFICATE_ARN = (
    f"arn:aws:acm:{PRIMARY}:111111111111:certificate/0a1b2c3d-0000-1111-2222-333344445555"
)
STRIPE_RULES = [rule for rule in TOPOLOGY.rules if rule.bus == "stripe"]


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    # Given the multi-region example stage of cdk.json
    primary, secondary = synthesize_regions(tmp_path_factory.mktemp("cdk.out"), stage=STAGE)
    return {PRIMARY: primary, SECONDARY: secondary}


@pytest.fixture(scope="module")
def default_stage(tmp_path_factory):
    # Given the default stage, in an explicit environment
    return synthesize(tmp_path_factory.mktemp("cdk.out"), stage="dev", account="111111111111", region=PRIMARY)


def _stack(regions, name: str) -> Stack:
    stack = regions[PRIMARY].stage.stateful.node.scope.node.find_child(name)
    assert isinstance(stack, Stack)
    return stack


def _global_tables(template: Template) -> dict[str, dict]:
    return {
        table["Properties"]["TableName"]: table
        for table in resources(template, "AWS::DynamoDB::GlobalTable").values()
    }


# ------------------------------------------------------------------ settings


def _load(**settings):
    context = {"stage": "global", "stage_settings": {"global": {**SETTINGS, **settings}}}
    return load_stage(context, environ={"CDK_DEFAULT_REGION": "eu-west-3"})


def test_the_first_region_is_the_primary_whatever_the_clis_default_region():
    config = _load()
    assert config.region == PRIMARY
    assert config.regions == (PRIMARY, SECONDARY)
    assert config.is_multi_region


def test_a_single_region_stage_has_its_region_as_its_only_region():
    config = load_stage(
        {"stage": "dev", "stage_settings": cdk_context()["stage_settings"]},
        environ={"CDK_DEFAULT_REGION": "eu-west-3"},
    )
    assert config.regions == ("eu-west-3",)
    assert not config.is_multi_region


def test_regions_from_the_command_line_are_comma_separated():
    settings = {**SETTINGS, "region_settings": {}}
    context = {"stage": "global", "stage_settings": {"global": settings}, "regions": "eu-west-1,eu-central-1"}
    assert load_stage(context, environ={}).regions == ("eu-west-1", "eu-central-1")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"regions": [PRIMARY, PRIMARY]}, "each region once"),
        ({"regions": [PRIMARY, "us-wst-2"]}, "not AWS region names"),
        ({"account": None}, "account"),
        ({"account": "1234"}, "12-digit"),
        ({"domain_name": None}, "domain_name"),
        ({"hosted_zone_id": None}, "hosted_zone_id"),
        ({"hosted_zone_name": None}, "hosted_zone_name"),
        ({"domain_name": "api.elsewhere.com"}, "is not in the hosted zone"),
        ({"region": SECONDARY}, "must be the first of regions"),
        ({"region_settings": {"eu-west-1": {}}}, "does not run in"),
        ({"region_settings": {SECONDARY: {"availability_zones": ["eu-west-1a", "eu-west-1b"]}}}, "zones"),
        (
            {"existing_database_secret_arn": SECRET_ARN},
            "each secondary region needs its replica's secret",
        ),
        (
            {"region_settings": {SECONDARY: {"certificate_arn": PRIMARY_CERTIFICATE_ARN}}},
            "must be in",
        ),
    ],
)
def test_a_multi_region_stage_refuses_what_it_cannot_synthesize_offline(settings, message):
    with pytest.raises(ValidationError, match=message):
        _load(**settings)


# ------------------------------------------------------------------ stacks and environments


def test_each_region_has_its_three_stacks_in_an_explicit_environment(regions):
    for region, synth in regions.items():
        for stack in (synth.stage.stateful, synth.stage.stateless, synth.stage.monitoring):
            assert stack.stack_name.endswith(f"-{region}")
            assert (stack.account, stack.region) == (SETTINGS["account"], region)
    images = _stack(regions, f"Resale-{STAGE}-Images-{SECONDARY}")
    assert (images.account, images.region) == (SETTINGS["account"], SECONDARY)


def test_deploy_order_not_references_crosses_regions(regions):
    primary, secondary = regions[PRIMARY].stage, regions[SECONDARY].stage
    images = _stack(regions, f"Resale-{STAGE}-Images-{SECONDARY}")
    # the replica bucket before the primary (which replicates into it), the primary before the
    # secondary (whose table replicas and cluster the primary makes)
    assert images in primary.stateful.dependencies
    assert primary.stateful in secondary.stateful.dependencies
    # and each stack reads only outputs of its own region's stacks
    for synth in regions.values():
        for stack in (synth.stage.stateful, synth.stage.stateless, synth.stage.monitoring):
            outputs = _outputs_read(Template.from_stack(stack).to_json())
            assert {region for _, region in outputs} <= {stack.region}, stack.stack_name


def _outputs_read(value) -> list[tuple[str, str]]:
    """(stack name, region) of each other stack's output a template reads (CDK's weak
    references: ``Fn::GetStackOutput``)."""
    if isinstance(value, dict):
        found = value.get("Fn::GetStackOutput")
        here = [(found["StackName"], found["Region"])] if isinstance(found, dict) else []
        assert "Fn::ImportValue" not in value
        return here + [ref for item in value.values() for ref in _outputs_read(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _outputs_read(item)]
    return []


# ------------------------------------------------------------------ DynamoDB


def test_the_primary_makes_each_global_table_with_a_replica_in_every_other_region(regions):
    tables = _global_tables(regions[PRIMARY].stateful)
    assert set(tables) == {f"{PREFIX}-{name}" for name in GLOBAL_TABLES}
    assert {"carts", "idempotency", "task-tokens", "watchlists"} <= GLOBAL_TABLES
    for table in tables.values():
        replicas = table["Properties"]["Replicas"]
        assert {replica["Region"] for replica in replicas} == {PRIMARY, SECONDARY}
        assert all(
            replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] for replica in replicas
        )
        assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"


def test_global_tables_keep_their_keys_ttl_and_indexes(regions):
    tables = _global_tables(regions[PRIMARY].stateful)
    for spec in TOPOLOGY.tables:
        if spec.name not in GLOBAL_TABLES:
            continue
        props = tables[f"{PREFIX}-{spec.name}"]["Properties"]
        assert {(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]} >= {
            (spec.partition_key.name, "HASH")
        }
        if spec.ttl_attribute:
            assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
        assert {i["IndexName"] for i in props.get("GlobalSecondaryIndexes", [])} == {
            i.name for i in spec.indexes
        }


def test_regional_tables_stay_regional_in_every_region(regions):
    regional = [spec.name for spec in TOPOLOGY.tables if spec.name not in GLOBAL_TABLES]
    assert "connections" in regional
    for synth in regions.values():
        assert len(resources(synth.stateful, "AWS::DynamoDB::Table")) == len(regional)
    assert _global_tables(regions[SECONDARY].stateful) == {}


def test_the_secondarys_functions_use_their_regions_replica_by_name(regions):
    # Given the Stripe consumers, idempotent on the idempotency table by Stripe's event id
    for rule in STRIPE_RULES:
        for target in rule.targets:
            name = f"{PREFIX}-{target.name}"
            primary = function_named(regions[PRIMARY].stateless, name)["Properties"]["Environment"][
                "Variables"
            ]
            secondary = function_named(regions[SECONDARY].stateless, name)["Properties"]["Environment"][
                "Variables"
            ]
            # Then the secondary names the global table itself (its replica has the same name) ...
            assert secondary["IDEMPOTENCY_TABLE"] == f"{PREFIX}-idempotency"
            # ... and the primary refers to the global table it makes
            assert _outputs_read(primary["IDEMPOTENCY_TABLE"]) == [
                (f"Resale-{STAGE}-Stateful-{PRIMARY}", PRIMARY)
            ]


def test_a_secondary_grants_reach_its_own_regions_replica(regions):
    policies = json.dumps(resources(regions[SECONDARY].stateless, "AWS::IAM::Policy"))
    assert f":table/{PREFIX}-idempotency" in policies


# ------------------------------------------------------------------ Aurora


def test_the_primary_cluster_is_the_source_of_a_global_database(regions):
    stateful = regions[PRIMARY].stateful
    (cluster_id, cluster), *others = resources(stateful, "AWS::RDS::DBCluster").items()
    assert others == []
    stateful.has_resource_properties(
        "AWS::RDS::GlobalCluster",
        {
            "GlobalClusterIdentifier": f"{PREFIX}-postgres-global",
            "SourceDBClusterIdentifier": {"Ref": cluster_id},
        },
    )
    assert "MasterUsername" in cluster["Properties"]
    # the admin secret is replicated to the secondary (its proxy signs in with the replica)
    stateful.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"Name": f"{PREFIX}/postgres-admin", "ReplicaRegions": [{"Region": SECONDARY}]},
    )


def test_the_secondary_has_a_secondary_cluster_with_readers_and_a_proxy(regions):
    stateful = regions[SECONDARY].stateful
    (cluster_id, cluster), *others = resources(stateful, "AWS::RDS::DBCluster").items()
    assert others == []
    props = cluster["Properties"]
    assert props["GlobalClusterIdentifier"] == f"{PREFIX}-postgres-global"
    assert "MasterUsername" not in props
    assert "MasterUserPassword" not in props
    assert props["EnableGlobalWriteForwarding"] is True
    assert props["StorageEncrypted"] is True
    readers = resources(stateful, "AWS::RDS::DBInstance").values()
    assert readers
    assert all(r["Properties"]["DBClusterIdentifier"] == {"Ref": cluster_id} for r in readers)
    assert all(r["Properties"]["DBInstanceClass"] == "db.serverless" for r in readers)
    (proxy_id, proxy), *others = resources(stateful, "AWS::RDS::DBProxy").items()
    assert others == []
    assert proxy["Properties"]["RequireTLS"] is True
    stateful.has_resource_properties(
        "AWS::RDS::DBProxyTargetGroup", {"DBClusterIdentifiers": [{"Ref": cluster_id}]}
    )
    assert resources(stateful, "AWS::RDS::GlobalCluster") == {}
    # the secondary's functions connect to its own proxy
    migrate_free = [fn for fn in TOPOLOGY.functions if fn.uses_postgres and not fn.on_deploy]
    env = function_named(regions[SECONDARY].stateless, f"{PREFIX}-{migrate_free[0].name}")["Properties"]
    assert proxy_id in json.dumps(env["Environment"]["Variables"]["DATABASE_HOST"])


def test_migrations_run_on_deploy_in_the_primary_only(regions):
    assert len(resources(regions[PRIMARY].stateless, "Custom::Trigger")) == 1
    assert resources(regions[SECONDARY].stateless, "Custom::Trigger") == {}


# ------------------------------------------------------------------ S3


def test_the_primarys_images_replicate_to_the_secondarys_bucket(regions):
    stateful = regions[PRIMARY].stateful
    (bucket,) = resources(stateful, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    assert props["BucketName"] == f"{PREFIX}-images-{SETTINGS['account']}-{PRIMARY}"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = props["ReplicationConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert f"{PREFIX}-images-{SETTINGS['account']}-{SECONDARY}" in json.dumps(rule["Destination"]["Bucket"])
    assert rule["Destination"]["ReplicationTime"]["Status"] == "Enabled"
    assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"}
    role_id = props["ReplicationConfiguration"]["Role"]["Fn::GetAtt"][0]
    assert role_id in resources(stateful, "AWS::IAM::Role")


def test_the_secondarys_images_bucket_is_versioned_named_and_its_functions_use_it(regions):
    images = Template.from_stack(_stack(regions, f"Resale-{STAGE}-Images-{SECONDARY}"))
    name = f"{PREFIX}-images-{SETTINGS['account']}-{SECONDARY}"
    images.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": name,
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": Match.any_value(),
        },
    )
    assert resources(regions[SECONDARY].stateful, "AWS::S3::Bucket") == {}
    env = function_named(regions[SECONDARY].stateless, f"{PREFIX}-api-auctions")["Properties"]["Environment"]
    assert _outputs_read(env["Variables"]["IMAGES_BUCKET"]) == [
        (f"Resale-{STAGE}-Images-{SECONDARY}", SECONDARY)
    ]


# ------------------------------------------------------------------ API and Route 53


@pytest.mark.parametrize("region", [PRIMARY, SECONDARY])
def test_each_region_serves_the_custom_domain_behind_a_latency_record_and_health_check(regions, region):
    api = regions[region].api
    (domain_id, domain), *others = resources(api, "AWS::ApiGateway::DomainName").items()
    assert others == []
    assert domain["Properties"]["DomainName"] == SETTINGS["domain_name"]
    assert domain["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    api.has_resource_properties("AWS::ApiGateway::BasePathMapping", {"DomainName": {"Ref": domain_id}})
    api.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {
            "DomainName": SETTINGS["domain_name"],
            "ValidationMethod": "DNS",
            "DomainValidationOptions": [
                {"DomainName": SETTINGS["domain_name"], "HostedZoneId": SETTINGS["hosted_zone_id"]}
            ],
        },
    )
    (check_id, check), *others = resources(api, "AWS::Route53::HealthCheck").items()
    assert others == []
    config = check["Properties"]["HealthCheckConfig"]
    assert config["Type"] == "HTTPS"
    assert config["ResourcePath"] == f"/{STAGE}/health"
    assert f".execute-api.{region}." in json.dumps(config["FullyQualifiedDomainName"])
    assert (config["RequestInterval"], config["FailureThreshold"]) == (30, 3)
    (record,) = resources(api, "AWS::Route53::RecordSet").values()
    props = record["Properties"]
    assert props["Name"] == f"{SETTINGS['domain_name']}."
    assert props["Type"] == "A"
    assert (props["SetIdentifier"], props["Region"]) == (region, region)
    assert props["HostedZoneId"] == SETTINGS["hosted_zone_id"]
    assert props["HealthCheckId"] == {"Ref": check_id}
    assert domain_id in json.dumps(props["AliasTarget"])


# ------------------------------------------------------------------ Stripe and workflows


@pytest.mark.parametrize("region", [PRIMARY, SECONDARY])
def test_each_region_has_the_stripe_rules_on_its_own_partner_source_and_every_workflow(regions, region):
    stateless = regions[region].stateless
    stateless.has_resource_properties(
        "AWS::Events::EventBus", {"Name": PARTNER_SOURCES[region], "EventSourceName": PARTNER_SOURCES[region]}
    )
    assert STRIPE_RULES
    for rule in STRIPE_RULES:
        stateless.has_resource_properties("AWS::Events::Rule", {"Name": f"{PREFIX}-{rule.name}"})
    assert len(resources(stateless, "AWS::StepFunctions::StateMachine")) == len(TOPOLOGY.state_machines)


def test_a_replayed_stripe_event_finds_the_same_idempotency_record_in_either_region(regions):
    # Powertools keys a record by the function's name and the Stripe event id: the consumers have
    # the same names in both regions, and write to one global table
    assert "idempotency" in GLOBAL_TABLES
    names = {
        region: {
            fn["Properties"]["FunctionName"]
            for fn in resources(synth.stateless, "AWS::Lambda::Function").values()
            if "FunctionName" in fn["Properties"]  # CDK's own handlers have generated names
        }
        for region, synth in regions.items()
    }
    consumers = {f"{PREFIX}-{target.name}" for rule in STRIPE_RULES for target in rule.targets}
    assert consumers <= names[PRIMARY]
    assert names[PRIMARY] == names[SECONDARY]


# ------------------------------------------------------------------ the house checks


def test_the_multi_region_synth_warns_of_nothing(regions):
    stacks = [
        s
        for synth in regions.values()
        for s in (synth.stage.stateful, synth.stage.stateless, synth.stage.monitoring)
    ]
    stacks.append(_stack(regions, f"Resale-{STAGE}-Images-{SECONDARY}"))
    for stack in stacks:
        warnings = Annotations.from_stack(stack).find_warning("*", Match.any_value())
        assert warnings == [], (stack.stack_name, [w.entry.data for w in warnings][:3])


def test_every_multi_region_template_is_within_cloudformations_limits(regions):
    paths = regions[PRIMARY].templates()
    # four stacks and two nested stacks per region, and the secondary's images stack
    assert len(paths) == 2 * 5 + 1
    for path in paths:
        template = json.loads(path.read_text())
        assert len(template["Resources"]) <= 500, path.name
        assert path.stat().st_size <= 1_000_000, path.name


def test_cfn_lint_finds_no_problem_in_the_multi_region_templates(regions):
    # W3010 (hard-coded availability zones) left out too: a stack with a concrete environment
    # names its zones, or CDK would look them up in AWS at synth
    config = ManualArgs(regions=[PRIMARY, SECONDARY], ignore_checks=[*CFN_LINT_IGNORED, "W3010"])
    findings = [
        f"{path.name}: {match}"
        for path in regions[PRIMARY].templates()
        for match in lint_file(path, config=config)
    ]
    assert findings == []


def test_the_multi_region_synth_needs_no_lookup(regions):
    # Given the cloud assembly / Then no context is missing (the CLI would look it up in AWS)
    manifest = json.loads((regions[PRIMARY].outdir / "manifest.json").read_text())
    assert "missing" not in manifest


# ------------------------------------------------------------------ the default stage


def test_the_default_stage_has_no_replica_global_cluster_replication_or_route53(default_stage):
    assert default_stage.stage.config.regions == (PRIMARY,)
    assert default_stage.stage.stateful.stack_name == "Resale-dev-Stateful"
    stateful, api = default_stage.stateful, default_stage.api
    assert resources(stateful, "AWS::DynamoDB::GlobalTable") == {}
    assert len(resources(stateful, "AWS::DynamoDB::Table")) == len(TOPOLOGY.tables)
    assert resources(stateful, "AWS::RDS::GlobalCluster") == {}
    (bucket,) = resources(stateful, "AWS::S3::Bucket").values()
    assert "ReplicationConfiguration" not in bucket["Properties"]
    assert "BucketName" not in bucket["Properties"]
    for secret in resources(stateful, "AWS::SecretsManager::Secret").values():
        assert "ReplicaRegions" not in secret["Properties"]
    for kind in ("AWS::Route53::RecordSet", "AWS::Route53::HealthCheck", "AWS::ApiGateway::DomainName"):
        assert resources(api, kind) == {}
        assert resources(default_stage.stateless, kind) == {}
