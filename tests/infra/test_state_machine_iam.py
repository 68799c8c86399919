"""State machine roles: exactly the IAM each service integration pattern needs, as AWS documents it.

Each pattern gets a one-Task state machine built with the real ``Workflows`` construct in a bare
stack (no app synth), and its synthesized role policy is compared with AWS's documented policy
for that pattern ("IAM policies for integrated services", Step Functions developer guide).
Every ASL file of the project must only use patterns that have a mapping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.constructs.workflows import (
    INTEGRATIONS,
    UnmappedIntegrationError,
    Workflows,
    task_calls,
)
from stacks.model import STATEMACHINES_DIR, Attr, Kind, Ref, StateMachine
from tests.infra.fixtures.topology import FIXTURES
from tests.infra.synth import cdk_context

ACCOUNT, REGION = "111122223333", "eu-west-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:resale-test-step"
CHILD = "resale-test-child"
CHILD_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{CHILD}"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:resale-test-topic"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:resale-test-queue"
BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/resale-test-bus"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/resale-test-table"

#: what each Ref resolves to in the bare stack (a real stack resolves them to its resources)
RESOLVED = {
    (Kind.FUNCTION, Attr.ARN): FUNCTION_ARN,
    (Kind.STATE_MACHINE, Attr.ARN): CHILD_ARN,
    (Kind.STATE_MACHINE, Attr.NAME): CHILD,
    (Kind.TOPIC, Attr.ARN): TOPIC_ARN,
    (Kind.QUEUE, Attr.ARN): QUEUE_ARN,
    (Kind.QUEUE, Attr.URL): f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/resale-test-queue",
    (Kind.BUS, Attr.ARN): BUS_ARN,
    (Kind.BUS, Attr.NAME): "resale-test-bus",
    (Kind.TABLE, Attr.ARN): TABLE_ARN,
    (Kind.TABLE, Attr.NAME): "resale-test-table",
}

_SYNC = [
    (["states:StartExecution"], [CHILD_ARN]),
    (
        ["states:DescribeExecution", "states:StopExecution"],
        [f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{CHILD}:*"],
    ),
    (
        ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"],
    ),
]
_INVOKE = [(["lambda:InvokeFunction"], [FUNCTION_ARN, f"{FUNCTION_ARN}:*"])]

#: pattern → (the Task's Resource, its parameters, the Ref of its target, AWS's documented policy)
CASES: dict[str, tuple[str, dict, Ref, list[tuple[list[str], list[str]]]]] = {
    "lambda": ("${Target}", {}, Ref(Kind.FUNCTION, "step", Attr.ARN), _INVOKE),
    "lambda:invoke": (
        "arn:aws:states:::lambda:invoke",
        {"FunctionName": "${Target}", "Payload.$": "$"},
        Ref(Kind.FUNCTION, "step", Attr.ARN),
        _INVOKE,
    ),
    "lambda:invoke.waitForTaskToken": (
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        {"FunctionName": "${Target}", "Payload": {"token.$": "$$.Task.Token"}},
        Ref(Kind.FUNCTION, "step", Attr.ARN),
        _INVOKE,
    ),
    "aws-sdk:sfn:startSyncExecution": (
        "arn:aws:states:::aws-sdk:sfn:startSyncExecution",
        {"StateMachineArn": "${Target}", "Input.$": "States.JsonToString($)"},
        Ref(Kind.STATE_MACHINE, "child", Attr.ARN),
        [(["states:StartSyncExecution"], [CHILD_ARN])],
    ),
    "states:startExecution": (
        "arn:aws:states:::states:startExecution",
        {"StateMachineArn": "${Target}", "Input.$": "$"},
        Ref(Kind.STATE_MACHINE, "child", Attr.ARN),
        [(["states:StartExecution"], [CHILD_ARN])],
    ),
    "states:startExecution.waitForTaskToken": (
        "arn:aws:states:::states:startExecution.waitForTaskToken",
        {"StateMachineArn": "${Target}", "Input": {"token.$": "$$.Task.Token"}},
        Ref(Kind.STATE_MACHINE, "child", Attr.ARN),
        [(["states:StartExecution"], [CHILD_ARN])],
    ),
    "states:startExecution.sync": (
        "arn:aws:states:::states:startExecution.sync",
        {"StateMachineArn": "${Target}", "Input.$": "$"},
        Ref(Kind.STATE_MACHINE, "child", Attr.ARN),
        _SYNC,
    ),
    "states:startExecution.sync:2": (
        "arn:aws:states:::states:startExecution.sync:2",
        {"StateMachineArn": "${Target}", "Input.$": "$"},
        Ref(Kind.STATE_MACHINE, "child", Attr.ARN),
        _SYNC,
    ),
    "sns:publish": (
        "arn:aws:states:::sns:publish",
        {"TopicArn": "${Target}", "Message.$": "$"},
        Ref(Kind.TOPIC, "topic", Attr.ARN),
        [(["sns:Publish"], [TOPIC_ARN])],
    ),
    "sns:publish.waitForTaskToken": (
        "arn:aws:states:::sns:publish.waitForTaskToken",
        {"TopicArn": "${Target}", "Message": {"token.$": "$$.Task.Token"}},
        Ref(Kind.TOPIC, "topic", Attr.ARN),
        [(["sns:Publish"], [TOPIC_ARN])],
    ),
    "sqs:sendMessage": (
        "arn:aws:states:::sqs:sendMessage",
        {"QueueUrl": "${Target}", "MessageBody.$": "$"},
        Ref(Kind.QUEUE, "queue", Attr.URL),
        [(["sqs:SendMessage"], [QUEUE_ARN])],
    ),
    "sqs:sendMessage.waitForTaskToken": (
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        {"QueueUrl": "${Target}", "MessageBody": {"token.$": "$$.Task.Token"}},
        Ref(Kind.QUEUE, "queue", Attr.URL),
        [(["sqs:SendMessage"], [QUEUE_ARN])],
    ),
    "events:putEvents": (
        "arn:aws:states:::events:putEvents",
        {
            "Entries": [
                {"EventBusName": "${Target}", "Source": "resale.test", "DetailType": "T", "Detail.$": "$"}
            ]
        },
        Ref(Kind.BUS, "bus"),
        [(["events:PutEvents"], [BUS_ARN])],
    ),
    "events:putEvents.waitForTaskToken": (
        "arn:aws:states:::events:putEvents.waitForTaskToken",
        {
            "Entries": [
                {
                    "EventBusName": "${Target}",
                    "Source": "t",
                    "DetailType": "T",
                    "Detail": {"t.$": "$$.Task.Token"},
                }
            ]
        },
        Ref(Kind.BUS, "bus"),
        [(["events:PutEvents"], [BUS_ARN])],
    ),
    **{
        f"dynamodb:{verb}Item": (
            f"arn:aws:states:::dynamodb:{verb}Item",
            {"TableName": "${Target}", "Key": {"pk": {"S.$": "$.id"}}},
            Ref(Kind.TABLE, "table"),
            [([f"dynamodb:{verb.title()}Item"], [TABLE_ARN])],
        )
        for verb in ("get", "put", "update", "delete")
    },
}


@dataclass(frozen=True)
class TmpStateMachine(StateMachine):
    """A state machine whose ASL file is written by the test."""

    directory: Path = Path()

    @property
    def path(self) -> Path:
        return self.directory / self.definition


def _asl(resource: str, parameters: dict) -> dict:
    task: dict = {"Type": "Task", "Resource": resource, "TimeoutSeconds": 10, "End": True}
    if parameters:
        task["Parameters"] = parameters
    return {"StartAt": "Call", "TimeoutSeconds": 60, "States": {"Call": task}}


def _role_statements(directory: Path, asl: dict, target: Ref) -> list[dict]:
    """Build one state machine with ``Workflows`` and return its role's policy statements."""
    (directory / "machine.json").write_text(json.dumps(asl))
    spec = TmpStateMachine(
        "machine", "machine.json", timeout_s=60, substitutions={"Target": target}, directory=directory
    )
    app = cdk.App(context=cdk_context())
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account=ACCOUNT, region=REGION))
    Workflows(
        stack,
        "Workflows",
        state_machines=(spec,),
        resolve=lambda ref: RESOLVED[(ref.kind, ref.attr)],
        name_of=lambda name: f"resale-test-{name}",
        log_retention_days=14,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    template = Template.from_stack(stack)
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _service_statements(statements: list[dict]) -> list[tuple[list[str], list[str]]]:
    """The statements for the called services (CDK's own logging and X-Ray ones left out)."""
    own = ("logs:", "xray:")
    return [
        (sorted(_as_list(s["Action"])), sorted(_as_list(s["Resource"])))
        for s in statements
        if not all(action.startswith(own) for action in _as_list(s["Action"]))
    ]


def test_every_mapped_pattern_has_a_case_here():
    # a pattern added to INTEGRATIONS without a test of its policy fails here
    assert set(CASES) == set(INTEGRATIONS)


@pytest.mark.parametrize("pattern", sorted(CASES))
def test_role_has_exactly_the_documented_policy_of_the_pattern(tmp_path, pattern):
    # Given a state machine with one Task of this integration pattern
    resource, parameters, target, expected = CASES[pattern]
    # When the Workflows construct builds it
    statements = _role_statements(tmp_path, _asl(resource, parameters), target)
    # Then its role may do exactly what AWS documents for the pattern, on that target only
    assert sorted(_service_statements(statements)) == sorted((sorted(a), sorted(r)) for a, r in expected)
    assert all(s["Effect"] == "Allow" for s in statements)


def test_the_same_target_called_twice_is_granted_once(tmp_path):
    call = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 10}
    call["Parameters"] = {"FunctionName": "${Target}"}
    asl = {
        "StartAt": "Call",
        "TimeoutSeconds": 60,
        "States": {"Call": {**call, "Next": "Again"}, "Again": {**call, "End": True}},
    }
    statements = _role_statements(tmp_path, asl, Ref(Kind.FUNCTION, "step", Attr.ARN))
    assert _service_statements(statements) == _INVOKE


def test_tasks_inside_parallel_branches_and_maps_are_granted(tmp_path):
    inner = _asl("arn:aws:states:::sns:publish", {"TopicArn": "${Target}", "Message.$": "$"})
    asl = {
        "StartAt": "Fan Out",
        "TimeoutSeconds": 60,
        "States": {
            "Fan Out": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Call", "States": inner["States"]},
                "End": True,
            }
        },
    }
    statements = _role_statements(tmp_path, asl, Ref(Kind.TOPIC, "topic", Attr.ARN))
    assert _service_statements(statements) == [(["sns:Publish"], [TOPIC_ARN])]


ASL_FILES = sorted([*STATEMACHINES_DIR.glob("*.json"), *FIXTURES.glob("*.asl.json")])


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_every_task_of_every_asl_file_has_a_permission_mapping(path):
    # a Resource pattern new to an ASL file, without a mapping, fails here (and the synth)
    calls = task_calls(path.read_text(encoding="utf-8"), where=path.name)
    assert calls, f"{path.name} has no Task"
    assert {call.pattern for call in calls} <= set(INTEGRATIONS)


@pytest.mark.parametrize(
    ("resource", "parameters", "problem"),
    [
        ("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "b", "Key": "k"}, "no permission mapping"),
        ("arn:aws:states:::ecs:runTask.sync", {"Cluster": "c"}, "no permission mapping"),
        ("arn:aws:states:eu-west-1:1:activity:work", {}, "no permission mapping"),
        ("arn:aws:states:::lambda:invoke", {"FunctionName.$": "$.fn"}, "one \\$\\{Placeholder\\}"),
        (
            "arn:aws:states:::sns:publish",
            {"TopicArn": "arn:aws:sns:eu-west-1:1:t"},
            "one \\$\\{Placeholder\\}",
        ),
    ],
)
def test_an_unmapped_pattern_or_unscoped_target_fails_with_what_to_do(resource, parameters, problem):
    definition = json.dumps(_asl(resource, parameters))
    with pytest.raises(UnmappedIntegrationError, match=problem):
        task_calls(definition, where="new.json")


def test_a_target_of_the_wrong_kind_fails_the_synth(tmp_path):
    asl = _asl("arn:aws:states:::sns:publish", {"TopicArn": "${Target}", "Message.$": "$"})
    with pytest.raises(UnmappedIntegrationError, match="calls a topic but \\$\\{Target\\} is a table"):
        _role_statements(tmp_path, asl, Ref(Kind.TABLE, "table"))
