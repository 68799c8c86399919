"""State machines, routes, consumers and rule targets, from a fixture topology.

The fixture adds a Standard workflow that nests an Express one, an SQS consumer and rules with
every target to the real topology.
"""

from __future__ import annotations

import json
from dataclasses import replace

import aws_cdk as cdk
import pytest

from stacks.constructs.workflows import Workflows, placeholders
from tests.infra.fixtures.topology import FIXTURE_TOPOLOGY
from tests.infra.synth import (
    api_routes,
    function_id,
    function_named,
    resources,
    synthesize,
    tagged_id,
    unresolved,
)

STATE_MACHINES = FIXTURE_TOPOLOGY.state_machines
ORIGINS = ("http://localhost:3000", "http://localhost:5173")


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    # Given the fixture topology on the dev stage
    # (with two allowed origins: the preflight then chooses one)
    return synthesize(
        tmp_path_factory.mktemp("cdk.out"),
        topology=FIXTURE_TOPOLOGY,
        stage="dev",
        cors_allowed_origins=",".join(ORIGINS),
    )


def state_machine(synth, name):
    found = synth.stateless.find_resources(
        "AWS::StepFunctions::StateMachine", {"Properties": {"StateMachineName": f"resale-dev-{name}"}}
    )
    assert len(found) == 1
    return next(iter(found.items()))


@pytest.mark.parametrize("spec", STATE_MACHINES, ids=lambda s: s.name)
def test_every_placeholder_is_substituted_with_a_resource_reference(synth, spec):
    _, machine = state_machine(synth, spec.name)
    props = machine["Properties"]
    definition = props["DefinitionString"]
    # the ASL is inlined verbatim; CloudFormation fills in DefinitionSubstitutions at deploy time
    assert isinstance(definition, str)
    assert json.loads(definition) == json.loads(spec.path.read_text())
    assert placeholders(definition)
    assert placeholders(definition) == set(props["DefinitionSubstitutions"])
    assert unresolved(props["DefinitionSubstitutions"]) == []
    for key, value in props["DefinitionSubstitutions"].items():
        assert isinstance(value, dict) or value.startswith("resale-dev-"), f"{key} = {value!r}"


@pytest.mark.parametrize("spec", STATE_MACHINES, ids=lambda s: s.name)
def test_state_machine_type_logging_and_tracing(synth, spec):
    _, machine = state_machine(synth, spec.name)
    props = machine["Properties"]
    assert props["StateMachineType"] == spec.type
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == ("ALL" if spec.type == "EXPRESS" else "ERROR")
    synth.stateless.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": f"/aws/vendedlogs/states/resale-dev-{spec.name}", "RetentionInDays": 14},
    )


def role_statements(synth, role_ref, template=None):
    role_id = role_ref["Fn::GetAtt"][0]
    return [
        statement
        for policy in resources(template or synth.stateless, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_workflow_role_invokes_exactly_its_functions_and_starts_the_nested_machine(synth):
    _, machine = state_machine(synth, "order-flow")
    statements = role_statements(synth, machine["Properties"]["RoleArn"])
    invoke = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    invoked = json.dumps(invoke)
    assert function_id(synth.stateless, "resale-dev-reserve-items") in invoked
    assert function_id(synth.stateless, "resale-dev-calculate-fees") not in invoked
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    # exactly what its Tasks call: one PutItem (not the table's read/write), a nested `.sync:2` run
    assert {
        "states:StartExecution",
        "states:DescribeExecution",
        "states:StopExecution",
        "sns:Publish",
        "events:PutEvents",
        "dynamodb:PutItem",
    } <= actions
    assert "states:StartSyncExecution" not in actions
    assert not {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem"} & actions
    start = next(s for s in statements if "states:StartExecution" in json.dumps(s["Action"]))
    assert json.dumps(start["Resource"]).endswith(':stateMachine:resale-dev-fees"]]}')


def _granted(statements, action):
    return [
        json.dumps(s["Resource"])
        for s in statements
        if action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]


def test_checkout_may_follow_and_stop_its_nested_preparation_run(synth):
    # Given checkout runs checkout_preparation with startExecution.sync:2 (statemachines/checkout.json)
    _, machine = state_machine(synth, "checkout")
    statements = role_statements(synth, machine["Properties"]["RoleArn"])
    # Then, as AWS documents for a nested `.sync` run: start it, describe and stop its executions,
    # and manage the rule Step Functions uses to learn that it ended
    granted = _granted(statements, "states:StartExecution")
    assert any(":stateMachine:resale-dev-checkout-preparation" in r for r in granted)
    for action in ("states:DescribeExecution", "states:StopExecution"):
        granted = _granted(statements, action)
        assert any(":execution:resale-dev-checkout-preparation:*" in r for r in granted), action
    for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
        assert any(
            ":rule/StepFunctionsGetEventsForStepFunctionsExecutionRule" in r
            for r in _granted(statements, action)
        ), action
    # and it no longer calls the steps or the fee calculation itself: the preparation does
    assert not _granted(statements, "states:StartSyncExecution")
    assert not any("fee-calculation" in r for r in _granted(statements, "states:StartExecution"))


def test_the_preparation_runs_fee_calculation_synchronously_and_invokes_only_its_steps(synth):
    # Given checkout_preparation (Express) calls fee_calculation with aws-sdk:sfn:startSyncExecution
    _, machine = state_machine(synth, "checkout-preparation")
    assert machine["Properties"]["StateMachineType"] == "EXPRESS"
    statements = role_statements(synth, machine["Properties"]["RoleArn"])
    # Then it may run that machine synchronously, and nothing else of Step Functions
    (granted,) = _granted(statements, "states:StartSyncExecution")
    assert ":stateMachine:resale-dev-fee-calculation" in granted
    assert not _granted(statements, "states:StartExecution")
    invoked = " ".join(_granted(statements, "lambda:InvokeFunction"))
    for step in ("ValidateCart", "ReserveItems", "CreateOrders", "RequestPayment"):
        assert f"FunctionsCheckout{step}" in invoked, step
    assert "FunctionsCheckoutMarkPaid" not in invoked


def test_every_route_is_a_lambda_proxy_and_the_api_starts_no_workflow_itself(synth):
    # Given every route of the topology
    methods = {key: m["Properties"] for key, m in api_routes(synth.api).items() if key[0] != "OPTIONS"}
    assert methods
    # Then each is a Lambda proxy integration: the function validates and answers 4xx itself
    assert {m["Integration"]["Type"] for m in methods.values()} == {"AWS_PROXY"}
    assert ":states:" not in json.dumps([m["Integration"] for m in methods.values()])
    # And no role API Gateway assumes may start a state machine
    policies = json.dumps(resources(synth.api, "AWS::IAM::Policy"))
    assert "states:StartExecution" not in policies and "states:StartSyncExecution" not in policies


def test_authorized_function_route_uses_the_cognito_authorizer(synth):
    method = api_routes(synth.api)[("GET", "/orders/{order_id}")]["Properties"]
    assert method["AuthorizationType"] == "COGNITO_USER_POOLS"
    assert "AuthorizerId" in method
    synth.api.resource_count_is("AWS::ApiGateway::Authorizer", 1)
    synth.api.has_resource_properties("AWS::ApiGateway::Authorizer", {"Type": "COGNITO_USER_POOLS"})


def test_sqs_consumers_report_batch_item_failures(synth):
    consumers = [q for q in FIXTURE_TOPOLOGY.queues if q.consumer]
    assert consumers
    for queue in consumers:
        synth.stateless.has_resource_properties(
            "AWS::Lambda::EventSourceMapping",
            {
                "EventSourceArn": {
                    "Fn::GetAtt": [tagged_id(synth.stateless, "AWS::SQS::Queue", queue.name), "Arn"]
                },
                "FunctionName": {
                    "Ref": function_id(synth.stateless, f"resale-dev-{queue.consumer.function}")
                },
                "BatchSize": queue.consumer.batch_size,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
            },
        )
    mappings = resources(synth.stateless, "AWS::Lambda::EventSourceMapping")
    assert len(mappings) == len(consumers)


def test_function_env_refers_to_a_state_machine_by_its_stage_arn(synth):
    variables = function_named(synth.stateless, "resale-dev-api-orders")["Properties"]["Environment"][
        "Variables"
    ]
    assert json.dumps(variables["ORDER_FLOW_ARN"]).endswith(':stateMachine:resale-dev-order-flow"]]}')
    assert unresolved(variables) == []


def test_secret_refs_and_ses_and_cognito_grants(synth):
    statements = role_statements(
        synth, function_named(synth.stateless, "resale-dev-send-email")["Properties"]["Role"]
    )
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {
        "ses:SendEmail",
        "secretsmanager:GetSecretValue",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
    } <= actions
    statements = role_statements(
        synth, function_named(synth.stateless, "resale-dev-api-orders")["Properties"]["Role"]
    )
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"cognito-idp:AdminAddUserToGroup", "states:StartExecution"} <= actions


def test_rules_target_queue_state_machine_and_function_each_with_a_dlq(synth):
    queue_rule = synth.stateless.find_resources(
        "AWS::Events::Rule", {"Properties": {"Name": "resale-dev-orders-to-queue"}}
    )
    (props,) = [r["Properties"] for r in queue_rule.values()]
    assert props["EventPattern"] == {"source": ["resale.orders"], "detail-type": [{"prefix": "Order"}]}
    scheduled = synth.stateless.find_resources(
        "AWS::Events::Rule", {"Properties": {"Name": "resale-dev-nightly-fees"}}
    )
    (props,) = [r["Properties"] for r in scheduled.values()]
    assert props["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert "EventBusName" not in props
    assert len(props["Targets"]) == 2
    assert all("DeadLetterConfig" in t for t in props["Targets"])
    assert any("RoleArn" in t for t in props["Targets"])  # the state-machine target assumes a role


@pytest.mark.parametrize("spec", STATE_MACHINES, ids=lambda s: s.name)
def test_each_state_machine_has_failure_and_timeout_alarms(synth, spec):
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
        synth.monitoring.has_resource_properties(
            "AWS::CloudWatch::Alarm", {"MetricName": metric, "Namespace": "AWS/States", "Threshold": 0}
        )
    synth.monitoring.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"AlarmName": f"resale-dev-{spec.name}-executions-timed-out"}
    )
    failed = synth.monitoring.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": f"resale-dev-{spec.name}-executions-failed"}}
    )
    # A machine that fails on purpose for its caller to judge has no failed-executions alarm.
    assert len(failed) == (0 if spec.failures_caught_by_caller else 1)


def test_a_missing_substitution_fails_the_synth():
    # Given the Express fixture without its substitutions, When the construct is built alone
    fees = next(sm for sm in STATE_MACHINES if sm.name == "fees")
    broken = replace(fees, substitutions={})
    with pytest.raises(ValueError, match="no substitution for \\['CalculateFunctionArn'\\]"):
        Workflows(
            cdk.Stack(cdk.App(), "Bare"),
            "Workflows",
            state_machines=(broken,),
            resolve=lambda ref: "unused",
            name_of=lambda name: name,
            log_retention_days=14,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )


def test_cfn_lint_finds_no_problem_in_any_template(synth):
    assert synth.lint() == []


def test_the_preflight_with_several_origins_answers_the_matching_one(synth):
    methods = resources(synth.api, "AWS::ApiGateway::Method")
    preflight = next(m["Properties"] for m in methods.values() if m["Properties"]["HttpMethod"] == "OPTIONS")
    (response,) = preflight["Integration"]["IntegrationResponses"]
    # CDK's preflight: the first origin by default, the request's when it is another allowed one
    headers = response["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'"
    assert headers["method.response.header.Vary"] == "'Origin'"
    assert headers["method.response.header.Access-Control-Max-Age"] == "'600'"
    template = response["ResponseTemplates"]["application/json"]
    assert (
        "http://localhost:5173" in template
        and "responseOverride.header.Access-Control-Allow-Origin" in template
    )
