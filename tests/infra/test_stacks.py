"""The dev stage built from the real topology: every declared resource, wired as declared."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Annotations, Match

from stacks.constructs.identity import GROUPS
from stacks.constructs.workflows import placeholders
from stacks.topology import TOPOLOGY, Ref
from tests.infra.synth import (
    api_routes,
    cdk_context,
    function_id,
    function_named,
    resources,
    synthesize,
    tagged,
    tagged_id,
    unresolved,
)

PARTNER_SOURCE = "aws.partner/stripe.com/ed_test_61InfraTest"
DEV_SETTINGS = cdk_context()["stage_settings"]["dev"]
ALARM_EMAIL = "ops@example.com"


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    # Given the dev stage with a configured Stripe partner source and alarm e-mail
    return synthesize(
        tmp_path_factory.mktemp("cdk.out"),
        stage="dev",
        stripe_partner_event_source=PARTNER_SOURCE,
        alarm_email=ALARM_EMAIL,
    )


# ------------------------------------------------------------------ stateful


@pytest.mark.parametrize("table", TOPOLOGY.tables, ids=lambda t: t.name)
def test_each_table_is_on_demand_with_pitr_keys_and_ttl(synth, table):
    props = tagged(synth.stateful, "AWS::DynamoDB::Table", table.name)["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    keys = {(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]}
    assert (table.partition_key.name, "HASH") in keys
    if table.sort_key:
        assert (table.sort_key.name, "RANGE") in keys
    if table.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": table.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props
    assert {i["IndexName"] for i in props.get("GlobalSecondaryIndexes", [])} == {
        i.name for i in table.indexes
    }


def test_dev_tables_are_deleted_with_the_stack(synth):
    for table in resources(synth.stateful, "AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Delete"


def test_images_bucket_is_private_tls_only_with_cors_and_upload_expiry(synth):
    synth.stateful.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": Match.any_value(),
            "CorsConfiguration": {
                "CorsRules": [Match.object_like({"AllowedMethods": Match.array_with(["PUT", "POST"])})]
            },
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [Match.object_like({"Prefix": "uploads/", "ExpirationInDays": 1, "Status": "Enabled"})]
                )
            },
        },
    )
    synth.stateful.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
    )


def test_user_pool_signs_in_by_email_with_a_strict_password_policy(synth):
    synth.stateful.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "UsernameAttributes": ["email"],
            "AutoVerifiedAttributes": [],  # the platform sends its own confirmation codes
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
            "Policies": {
                "PasswordPolicy": Match.object_like(
                    {
                        "MinimumLength": 12,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                    }
                )
            },
        },
    )


def test_user_pool_has_the_three_groups(synth):
    groups = {
        g["Properties"]["GroupName"]
        for g in resources(synth.stateful, "AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == set(GROUPS) == {"buyer", "seller", "admin"}


def test_app_client_has_no_secret_and_allows_password_and_refresh(synth):
    synth.stateful.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "GenerateSecret": False,
            "ExplicitAuthFlows": Match.array_with(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
        },
    )


def test_aurora_serverless_v2_postgres_behind_an_rds_proxy(synth):
    synth.stateful.has_resource_properties(
        "AWS::RDS::DBCluster",
        {
            "Engine": "aurora-postgresql",
            "EngineVersion": Match.string_like_regexp(r"^1[56]\."),
            "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 2},
            "StorageEncrypted": True,
        },
    )
    synth.stateful.has_resource_properties("AWS::RDS::DBInstance", {"DBInstanceClass": "db.serverless"})
    synth.stateful.has_resource_properties(
        "AWS::RDS::DBProxy", {"EngineFamily": "POSTGRESQL", "RequireTLS": True}
    )
    synth.stateful.resource_count_is("AWS::EC2::VPC", 1)


def test_secrets_exist_for_mongodb_and_each_provider(synth):
    for name in ("mongodb", "stripe", "twilio", "sendgrid"):
        tagged(synth.stateful, "AWS::SecretsManager::Secret", name)
    synth.stateful.has_resource_properties("AWS::SecretsManager::Secret", {"Name": "resale/dev/mongodb-uri"})


# ------------------------------------------------------------------ messaging


@pytest.mark.parametrize("queue", TOPOLOGY.queues, ids=lambda q: q.name)
def test_each_queue_redrives_to_its_dlq_with_the_declared_receive_count(synth, queue):
    props = tagged(synth.stateless, "AWS::SQS::Queue", queue.name)["Properties"]
    dlq_id = tagged_id(synth.stateless, "AWS::SQS::Queue", queue.dlq_name)
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": queue.max_receive_count,
    }
    assert props["SqsManagedSseEnabled"] is True
    assert props["MessageRetentionPeriod"] == queue.retention_days * 86_400
    assert props["VisibilityTimeout"] == queue.visibility_timeout_s


@pytest.mark.parametrize("sub", TOPOLOGY.subscriptions, ids=lambda s: f"{s.topic}->{s.queue}")
def test_each_subscription_is_raw_with_its_filter_policy(synth, sub):
    queue_id = tagged_id(synth.stateless, "AWS::SQS::Queue", sub.queue)
    topic_id = tagged_id(synth.stateless, "AWS::SNS::Topic", sub.topic)
    expected = {
        "Protocol": "sqs",
        "TopicArn": {"Ref": topic_id},
        "Endpoint": {"Fn::GetAtt": [queue_id, "Arn"]},
        "RawMessageDelivery": True,
    }
    if sub.filter_policy:
        expected["FilterPolicy"] = sub.filter_policy
    synth.stateless.has_resource_properties("AWS::SNS::Subscription", expected)


def test_topics_are_encrypted(synth):
    for topic in TOPOLOGY.topics:
        assert "KmsMasterKeyId" in tagged(synth.stateless, "AWS::SNS::Topic", topic.name)["Properties"]


# ------------------------------------------------------------------ functions


@pytest.mark.parametrize("fn", TOPOLOGY.functions, ids=lambda f: f.name)
def test_each_function_has_its_environment_resolved(synth, fn):
    props = function_named(synth.stateless, f"resale-dev-{fn.name}")["Properties"]
    variables = props["Environment"]["Variables"]
    assert set(fn.full_environment) <= set(variables)
    assert unresolved(variables) == []
    for key, value in fn.full_environment.items():
        if isinstance(value, Ref):
            assert isinstance(variables[key], dict), f"{key} should be a reference, got {variables[key]!r}"
        else:
            assert variables[key] == value
    assert variables["POWERTOOLS_SERVICE_NAME"] == fn.service
    # the stage's settings that the runtime code has no default for (cdk.json's dev values)
    assert variables["EMAIL_SENDER"] == DEV_SETTINGS["email_sender"]
    assert variables["ONBOARDING_RETURN_URL"] == DEV_SETTINGS["onboarding_return_url"]
    assert variables["ONBOARDING_REFRESH_URL"] == DEV_SETTINGS["onboarding_refresh_url"]
    assert json.loads(variables["CORS_ALLOWED_ORIGINS"]) == DEV_SETTINGS["cors_allowed_origins"]
    assert props["Handler"] == fn.handler
    assert props["Runtime"] == "python3.12"
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["MemorySize"] == fn.memory_mb
    assert props["Timeout"] == fn.timeout_s


@pytest.mark.parametrize("fn", TOPOLOGY.functions, ids=lambda f: f.name)
def test_each_function_runs_in_the_vpc_only_when_it_uses_postgres(synth, fn):
    props = function_named(synth.stateless, f"resale-dev-{fn.name}")["Properties"]
    assert ("VpcConfig" in props) == fn.uses_postgres
    if fn.uses_postgres:
        assert {"DATABASE_SECRET_ARN", "DATABASE_HOST", "DATABASE_NAME"} <= set(
            props["Environment"]["Variables"]
        )


def test_functions_use_the_public_powertools_v3_layer_from_ssm(synth):
    parameters = synth.stateless.to_json()["Parameters"]
    ssm = [
        p for p in parameters.values() if p.get("Default", "").startswith("/aws/service/powertools/python/")
    ]
    assert [p["Default"] for p in ssm] == ["/aws/service/powertools/python/x86_64/python3.12/3.37.0"]
    for fn in TOPOLOGY.functions:
        assert len(function_named(synth.stateless, f"resale-dev-{fn.name}")["Properties"]["Layers"]) >= 1


def test_each_function_logs_to_its_own_group_with_the_stage_retention(synth):
    for fn in TOPOLOGY.functions:
        synth.function_logs.has_resource_properties(
            "AWS::Logs::LogGroup",
            {"LogGroupName": f"/aws/lambda/resale-dev-{fn.name}", "RetentionInDays": 14},
        )


def test_every_log_group_has_a_retention(synth):
    for template in (synth.stateful, synth.stateless, synth.monitoring):
        for group in resources(template, "AWS::Logs::LogGroup").values():
            assert group["Properties"].get("RetentionInDays"), group


def test_grants_are_least_privilege_for_a_task_response_on_every_stage_state_machine(synth):
    role_ref = function_named(synth.stateless, "resale-dev-stripe-events")["Properties"]["Role"]
    role_id = role_ref["Fn::GetAtt"][0]
    policies = [
        p
        for p in resources(synth.stateless, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    task = [s for s in statements if "states:SendTaskSuccess" in s["Action"]]
    assert len(task) == 1
    assert json.dumps(task[0]["Resource"]).endswith(':stateMachine:resale-dev-*"]]}')
    assert all(
        s["Resource"] != "*"
        for s in statements
        if s["Action"] != ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    )


# ------------------------------------------------------------------ workflows


@pytest.mark.parametrize("spec", TOPOLOGY.state_machines, ids=lambda s: s.name)
def test_each_state_machine_inlines_its_asl_with_every_placeholder_substituted(synth, spec):
    found = synth.stateless.find_resources(
        "AWS::StepFunctions::StateMachine", {"Properties": {"StateMachineName": f"resale-dev-{spec.name}"}}
    )
    assert len(found) == 1
    props = next(iter(found.values()))["Properties"]
    assert json.loads(props["DefinitionString"]) == json.loads(spec.path.read_text())
    assert placeholders(props["DefinitionString"]) == set(props.get("DefinitionSubstitutions", {}))
    assert unresolved(props.get("DefinitionSubstitutions", {})) == []
    assert props["StateMachineType"] == spec.type
    for metric in ("executions-failed", "executions-timed-out"):
        if metric == "executions-failed" and spec.failures_caught_by_caller:
            continue  # its caller's alarm (tests/infra/test_execution_alarms.py)
        synth.monitoring.has_resource_properties(
            "AWS::CloudWatch::Alarm", {"AlarmName": f"resale-dev-{spec.name}-{metric}", "Threshold": 0}
        )


# ------------------------------------------------------------------ API


def test_api_has_the_topology_routes_with_the_right_authorization(synth):
    routes = api_routes(synth.api)
    assert set(routes) == {(r.method, r.path) for r in TOPOLOGY.routes}
    for route in TOPOLOGY.routes:
        method = routes[(route.method, route.path)]["Properties"]
        assert method["AuthorizationType"] == ("NONE" if route.auth == "public" else "COGNITO_USER_POOLS")


def test_api_stage_has_access_logs_throttling_and_tracing(synth):
    synth.api.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "dev",
            "TracingEnabled": True,
            "AccessLogSetting": {"DestinationArn": Match.any_value(), "Format": Match.any_value()},
            "MethodSettings": Match.array_with(
                [Match.object_like({"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100})]
            ),
        },
    )


def test_gateway_errors_use_the_api_error_shape(synth):
    # Given API Gateway's own errors (bad token, unknown route, throttling, ...)
    responses = resources(synth.api, "AWS::ApiGateway::GatewayResponse")
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses.values()}
    # Then each answers {"error": {"code", "message"}} with the status the local emulator uses
    expected = {
        "UNAUTHORIZED": "401",
        "MISSING_AUTHENTICATION_TOKEN": "404",
        "THROTTLED": "429",
        "DEFAULT_5XX": "502",
    }
    for response_type, status in expected.items():
        assert by_type[response_type]["StatusCode"] == status
        body = json.loads(by_type[response_type]["ResponseTemplates"]["application/json"])
        assert set(body["error"]) == {"code", "message"}
    assert (
        json.loads(by_type["MISSING_AUTHENTICATION_TOKEN"]["ResponseTemplates"]["application/json"])["error"][
            "code"
        ]
        == "ROUTE_NOT_FOUND"
    )


def test_every_gateway_error_names_the_stages_allowed_origin(synth):
    # Given API Gateway's own errors, which no function answers
    responses = resources(synth.api, "AWS::ApiGateway::GatewayResponse")
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses.values()}
    # Then every one, the default 4XX and 5XX included, is readable by the stage's origin
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "ACCESS_DENIED"} <= set(by_type)
    assert "StatusCode" not in by_type["DEFAULT_4XX"]  # each 4xx keeps its own status
    for response_type, props in by_type.items():
        headers = props["ResponseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'", (
            response_type
        )
        assert headers["gatewayresponse.header.Vary"] == "'Origin'"


def test_every_api_resource_has_a_preflight_for_the_stages_origin(synth):
    methods = resources(synth.api, "AWS::ApiGateway::Method")
    preflights = [m["Properties"] for m in methods.values() if m["Properties"]["HttpMethod"] == "OPTIONS"]
    # one per resource of the tree (and the root)
    assert len(preflights) == len(resources(synth.api, "AWS::ApiGateway::Resource")) + 1
    for props in preflights:
        assert props["AuthorizationType"] == "NONE"
        (response,) = props["Integration"]["IntegrationResponses"]
        assert response["StatusCode"] == "204"
        headers = response["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'"
        assert headers["method.response.header.Access-Control-Allow-Headers"] == (
            "'Authorization,Content-Type,Idempotency-Key'"
        )
        # the same methods and cache time the local gateway answers (stacks.model.Cors)
        assert headers["method.response.header.Access-Control-Allow-Methods"] == (
            "'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD'"
        )
        assert headers["method.response.header.Access-Control-Max-Age"] == "'600'"


def test_health_route_invokes_its_function_through_a_proxy_integration(synth):
    method = api_routes(synth.api)[("GET", "/health")]["Properties"]
    assert method["Integration"]["Type"] == "AWS_PROXY"
    uri = json.dumps(method["Integration"]["Uri"])
    # the API is a nested stack: the function's ARN comes in as a parameter named after it
    assert function_id(synth.stateless, "resale-dev-api-health")[:-8] in uri


def test_each_api_function_has_one_invoke_permission_for_this_api_only(synth):
    # Given the functions the routes target
    targeted = {route.target.function for route in TOPOLOGY.routes}
    permissions = resources(synth.api, "AWS::Lambda::Permission").values()
    # Then one permission each (not one per method: the nested stack stays under 500 resources),
    # for API Gateway calling through this REST API, whatever its stage, method and path
    assert len(permissions) == len(targeted)
    api_id = next(iter(resources(synth.api, "AWS::ApiGateway::RestApi")))
    for permission in permissions:
        props = permission["Properties"]
        assert (props["Action"], props["Principal"]) == ("lambda:InvokeFunction", "apigateway.amazonaws.com")
        parts = props["SourceArn"]["Fn::Join"][1]
        assert parts[-2:] == [{"Ref": api_id}, "/*/*/*"]


def test_the_synth_warns_of_nothing(synth):
    # Given every stack of the stage (a nested stack's annotations are its parent's) / Then CDK
    # annotated none with a warning
    for stack in (synth.stage.stateful, synth.stage.stateless, synth.stage.monitoring):
        warnings = Annotations.from_stack(stack).find_warning("*", Match.any_value())
        assert warnings == [], [w.entry.data for w in warnings][:3]


def test_every_template_is_within_cloudformations_limits(synth):
    # CloudFormation: at most 500 resources and 1 MB per template (nested stacks' too)
    for path in synth.templates():
        template = json.loads(path.read_text())
        assert len(template["Resources"]) <= 500, path.name
        assert path.stat().st_size <= 1_000_000, path.name


# ------------------------------------------------------------------ events


def test_the_migrate_job_runs_on_each_deploy_that_changes_it_before_the_api(synth):
    # Given the migrate job (PostgreSQL migrations and MongoDB indexes, in the VPC like the others)
    job = function_named(synth.stateless, "resale-dev-migrate")
    assert job["Properties"]["Handler"] == "lambdas.jobs.migrate.handler"
    assert "VpcConfig" in job["Properties"]
    # Then a trigger invokes its current version (a new version whenever its code, SQL included,
    # changes), and the API's nested stack waits for it
    (trigger_id, trigger), *others = resources(synth.stateless, "Custom::Trigger").items()
    assert others == []
    assert "MigrateCurrentVersion" in json.dumps(trigger["Properties"]["HandlerArn"])
    api = next(
        (logical_id, r)
        for logical_id, r in resources(synth.stateless, "AWS::CloudFormation::Stack").items()
        if logical_id.startswith("ApiStack")
    )
    assert trigger_id in api[1].get("DependsOn", [])


def test_domain_bus_is_custom_and_stripe_bus_is_the_partner_source(synth):
    synth.stateless.has_resource_properties("AWS::Events::EventBus", {"Name": "resale-dev-domain"})
    props = tagged(synth.stateless, "AWS::Events::EventBus", "stripe")["Properties"]
    assert props["EventSourceName"] == PARTNER_SOURCE
    assert props["Name"] == PARTNER_SOURCE


@pytest.mark.parametrize("rule", TOPOLOGY.rules, ids=lambda r: r.name)
def test_each_rule_has_its_pattern_bus_targets_and_dlq(synth, rule):
    found = synth.stateless.find_resources(
        "AWS::Events::Rule", {"Properties": {"Name": f"resale-dev-{rule.name}"}}
    )
    assert len(found) == 1
    props = next(iter(found.values()))["Properties"]
    if rule.event_pattern is not None:
        assert props["EventPattern"] == rule.event_pattern
    if rule.bus:
        assert props["EventBusName"] == {"Ref": tagged_id(synth.stateless, "AWS::Events::EventBus", rule.bus)}
    assert len(props["Targets"]) == len(rule.targets)
    dlq_id = tagged_id(synth.stateless, "AWS::SQS::Queue", rule.dlq_name)
    assert all(t["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}} for t in props["Targets"])


def test_stripe_rule_is_on_the_configured_partner_bus(synth):
    stripe_rules = [r for r in TOPOLOGY.rules if r.bus == "stripe"]
    assert stripe_rules
    bus_id = tagged_id(synth.stateless, "AWS::Events::EventBus", "stripe")
    assert (
        tagged(synth.stateless, "AWS::Events::EventBus", "stripe")["Properties"]["EventSourceName"]
        == PARTNER_SOURCE
    )
    for rule in stripe_rules:
        synth.stateless.has_resource_properties(
            "AWS::Events::Rule", {"Name": f"resale-dev-{rule.name}", "EventBusName": {"Ref": bus_id}}
        )


# ------------------------------------------------------------------ monitoring


def test_an_alarm_watches_every_dlq(synth):
    dlqs = [q.dlq_name for q in TOPOLOGY.queues] + [r.dlq_name for r in TOPOLOGY.rules]
    for dlq in dlqs:
        synth.monitoring.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "AlarmName": f"resale-dev-{dlq}-messages",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Namespace": "AWS/SQS",
                "Threshold": 0,
                "ComparisonOperator": "GreaterThanThreshold",
                "AlarmActions": [Match.any_value()],
            },
        )


def test_an_alarm_watches_every_function_for_errors(synth):
    for fn in TOPOLOGY.functions:
        synth.monitoring.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {"AlarmName": f"resale-dev-{fn.name}-errors", "MetricName": "Errors", "Namespace": "AWS/Lambda"},
        )


def test_alarms_notify_the_stage_email(synth):
    synth.monitoring.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": ALARM_EMAIL}
    )
    synth.monitoring.resource_count_is("AWS::CloudWatch::Dashboard", 1)


# ------------------------------------------------------------------ whole app


def test_every_resource_is_tagged_with_project_and_stage(synth):
    for table in resources(synth.stateful, "AWS::DynamoDB::Table").values():
        assert {"Key": "project", "Value": "resale"} in table["Properties"]["Tags"]
        for fn in TOPOLOGY.functions:
            tags = function_named(synth.stateless, f"resale-dev-{fn.name}")["Properties"]["Tags"]
            assert {"Key": "stage", "Value": "dev"} in tags
            assert {"Key": "project", "Value": "resale"} in tags


def test_cfn_lint_finds_no_problem_in_any_template(synth):
    # three stacks, the API's nested stack and the functions' log groups' nested stack
    assert len(synth.templates()) == 5
    assert synth.lint() == []


def test_postgres_logs_are_kept_for_the_stage_retention(synth):
    synth.stateful.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": "/aws/rds/cluster/resale-dev-postgres/postgresql", "RetentionInDays": 14},
    )
    synth.stateful.has_resource_properties(
        "AWS::RDS::DBCluster",
        {"DBClusterIdentifier": "resale-dev-postgres", "EnableCloudwatchLogsExports": ["postgresql"]},
    )
