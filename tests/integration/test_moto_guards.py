"""Guards on the moto internals the local cloud hooks, and the hooks' own behaviour.

If a moto upgrade moves or reshapes anything the local cloud patches, a test here fails and
says which attribute and which moto version, instead of the local cloud misbehaving quietly.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from local.cloud import aws as aws_module
from local.cloud import jsonata as jsonata_module
from local.cloud import stepfunctions as sfn_module
from local.cloud.clock import ScaledClock, VirtualClock
from local.cloud.functions import EnvironmentConflictError, FunctionRegistry
from local.cloud.patching import EXPECTED_MOTO_VERSION, MotoInternalsChangedError, Patches, original, require

if TYPE_CHECKING:
    from collections.abc import Iterator

    from local.cloud.aws import LocalAws

ROOT = Path(__file__).resolve().parents[2]
MOTO = metadata.version("moto")
HOOKS = sorted({*aws_module.HOOKS, *sfn_module.HOOKS, *jsonata_module.HOOKS})


def _where(target: str) -> str:
    return f"moto {MOTO} (hooks written for {EXPECTED_MOTO_VERSION}): {target}"


def test_moto_is_the_version_the_hooks_were_written_for() -> None:
    assert MOTO == EXPECTED_MOTO_VERSION, (
        f"moto is {MOTO}, the local cloud's hooks were written for {EXPECTED_MOTO_VERSION}: "
        "re-check every guard below and local/cloud/*.py before changing EXPECTED_MOTO_VERSION"
    )


@pytest.mark.parametrize("target", HOOKS)
def test_every_hooked_internal_exists(target: str) -> None:
    try:
        require(target)
    except MotoInternalsChangedError as exc:
        pytest.fail(str(exc))


def _params(target: str) -> list[str]:
    # moto's own function, even while the session's local cloud has hooked it
    return list(inspect.signature(original(target)).parameters)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (sfn_module.BOTO_CLIENT_FOR, ["region", "service", "state_credentials"]),
        (sfn_module.WAIT_INTERVAL, ["self", "env", "wait_seconds"]),
        (sfn_module.REFLECT_STATUS, ["self"]),
        (sfn_module.SFN_NORMALISE_RESPONSE, ["self", "response", "boto_service_name", "service_action_name"]),
        (
            sfn_module.AWS_SDK_NORMALISE_PARAMETERS,
            ["self", "parameters", "boto_service_name", "service_action_name"],
        ),
        (
            sfn_module.AWS_SDK_NORMALISE_RESPONSE,
            ["self", "response", "boto_service_name", "service_action_name"],
        ),
        (sfn_module.AWS_SDK_TO_BOTO_REQUEST, ["self", "parameters", "structure_shape"]),
        (sfn_module.AWS_SDK_FROM_BOTO_RESPONSE, ["self", "response", "structure_shape"]),
        (sfn_module.BACKEND_START, ["self", "state_machine_arn", "name", "execution_input", "trace_header"]),
        (
            aws_module.LAMBDA_INVOKE,
            ["self", "function_name", "qualifier", "body", "headers", "response_headers"],
        ),
        (aws_module.RULE_SEND, ["self", "original_event", "transform_input"]),
        (
            aws_module.SNS_PUBLISH,
            [
                "self",
                "message",
                "message_id",
                "subject",
                "message_attributes",
                "group_id",
                "deduplication_id",
                "message_structure",
            ],
        ),
        (aws_module.SQS_RETENTION, ["self", "queue_name", "message"]),
        (aws_module.METHOD_NAMES, ["clazz"]),
        (f"{sfn_module.RESPONSE}.stop_execution", ["self"]),
        (f"{sfn_module.RESPONSE}.send_task_failure", ["self"]),
    ],
)
def test_hooked_functions_keep_their_signatures(target: str, expected: list[str]) -> None:
    assert _params(target) == expected, _where(f"{target} changed signature to {_params(target)}")


def test_the_interpreter_sleeps_and_times_where_the_clock_hooks_expect() -> None:
    import moto.stepfunctions.parser.asl.component.common.retry.retrier_decl as retrier
    import moto.stepfunctions.parser.asl.component.state.exec.execute_state as execute_state
    import moto.stepfunctions.parser.asl.eval.callback.callback as callback

    retrier_module, execute_module, callback_module = (
        retrier.__name__,
        execute_state.__name__,
        callback.__name__,
    )
    # (original(): moto's own values, even while the session's local cloud has them hooked)
    assert original(f"{retrier_module}:time") is time, _where(
        "retrier_decl no longer imports the time module"
    )
    assert "time.sleep(interval_seconds)" in inspect.getsource(retrier.RetrierDecl._eval_body), _where(
        "RetrierDecl._eval_body no longer sleeps with time.sleep"
    )
    assert original(f"{execute_module}:threading") is threading, _where(
        "execute_state no longer imports threading"
    )
    assert "threading.Event()" in inspect.getsource(execute_state.ExecutionState._evaluate_with_timeout), (
        _where("ExecutionState._evaluate_with_timeout no longer times tasks with threading.Event")
    )
    assert original(f"{callback_module}:Event") is threading.Event, _where(
        "callback.Event is no longer threading.Event"
    )
    assert isinstance(original(sfn_module.SYNC_POLL_DELAY), float), _where(sfn_module.SYNC_POLL_DELAY)


def test_the_sqs_hooks_read_what_moto_keeps_on_a_queue() -> None:
    import moto.sqs.models as sqs

    # the retention rule the hook restates, and the attributes it and the poller read
    source = inspect.getsource(original(aws_module.SQS_RETENTION))
    assert '["MessageRetentionPeriod"]' in source and "message.sent_timestamp / 1000" in source, _where(
        "SQSBackend.is_message_valid_based_on_retention_period changed its rule"
    )
    queue = sqs.Queue("guard", "us-east-1", "123456789012")
    assert isinstance(queue._messages, list), _where("Queue._messages is no longer the list of messages")
    assert int(queue.message_retention_period) == 345_600, _where("Queue.message_retention_period moved")
    message = sqs.Message("m-1", "body")
    assert isinstance(message.visible, bool) and isinstance(message.delayed, bool), _where(
        "Message.visible / Message.delayed changed"
    )


def test_the_method_names_hook_answers_as_moto_does() -> None:
    from moto.dynamodb.responses import DynamoHandler

    listed = original(aws_module.METHOD_NAMES)(DynamoHandler)
    assert "put_item" in listed and "_get_action" in listed and listed == sorted(listed), _where(
        "method_names_from_class no longer lists a class's functions by name"
    )
    assert require(aws_module.METHOD_NAMES)(DynamoHandler) == listed  # hooked (a cache) or not


def test_jsonata_is_still_a_stub_that_reads_the_hooked_global() -> None:
    import moto.stepfunctions.parser.asl.jsonata.jsonata as moto_jsonata

    assert original(f"{moto_jsonata.__name__}:_eval_jsonata") is None, _where(
        "JSONata is no longer stubbed: is the hook still needed?"
    )
    assert "_eval_jsonata(jsonata_expression)" in inspect.getsource(moto_jsonata.eval_jsonata_expression)
    declarations = original(jsonata_module._DECLARATIONS)
    assert {"$uuid", "$hash"} <= set(declarations), _where("the $uuid/$hash declarations moved")


def test_the_execution_arn_pattern_can_accept_express_arns() -> None:
    pattern = original(sfn_module.BACKEND_EXEC_ARN_FORMAT).pattern
    assert r"(?P<account_id>[0-9]{12}):execution:.+" in pattern, _where(
        f"accepted_exec_arn_format changed to {pattern}"
    )


def test_the_server_config_is_the_dictionary_mock_aws_writes() -> None:
    from moto.core import config
    from moto.moto_api._internal.models import moto_api_backend

    assert {"lambda", "stepfunctions"} <= set(require(aws_module.USER_CONFIG))
    assert 'default_user_config["stepfunctions"]' in inspect.getsource(moto_api_backend.set_config), _where(
        "POST /moto-api/config no longer writes the stepfunctions config"
    )
    assert require(aws_module.USER_CONFIG) is config.default_user_config


def test_the_threaded_server_keeps_the_attributes_the_quiet_server_uses() -> None:
    source = inspect.getsource(require(aws_module.SERVER))
    for attribute in ("_ip_address", "_port", "_server_ready_event", "_server"):
        assert f"self.{attribute}" in source, _where(f"ThreadedMotoServer.{attribute} is gone")


def test_patches_restore_originals_including_inherited_and_static_attributes() -> None:
    class Base:
        @staticmethod
        def helper() -> str:
            return "base"

    class Child(Base):
        pass

    import types

    module = types.ModuleType("guard_probe")
    module.Child = Child  # type: ignore[attr-defined]
    sys.modules["guard_probe"] = module
    try:
        patches = Patches()
        patches.replace("guard_probe:Child.helper", lambda: "patched")
        patches.add("guard_probe:Child.extra", 1)
        assert Child.helper() == "patched"
        patches.restore()
        assert "helper" not in vars(Child)
        assert not hasattr(Child, "extra")
        assert Child.helper() == "base"
        with pytest.raises(MotoInternalsChangedError, match=r"guard_probe:Child\.missing"):
            patches.replace("guard_probe:Child.missing", 1)
    finally:
        del sys.modules["guard_probe"]


_CYCLE = """
import json, sys
from local.cloud.aws import HOOKS as A
from local.cloud.jsonata import HOOKS as J
from local.cloud.stepfunctions import HOOKS as S
from local.cloud.aws import LocalAws
from local.cloud.clock import VirtualClock
from local.cloud.patching import require
import logging
before = {t: id(require(t)) for t in (*A, *J, *S)}
level = logging.getLogger("moto.stepfunctions.parser").level
config = json.dumps(require("moto.core.config:default_user_config"), sort_keys=True)
for _ in range(2):
    aws = LocalAws(clock=VirtualClock())
    aws.start()
    arn = aws.create_state_machine("m", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    assert aws.run_execution(arn, "e", {})["status"] == "SUCCEEDED"
    aws.stop()
after = {t: id(require(t)) for t in before}
changed = sorted(t for t in before if before[t] != after[t])
same_config = json.dumps(require("moto.core.config:default_user_config"), sort_keys=True) == config
print(json.dumps({"changed": changed, "config": same_config,
                  "logger": logging.getLogger("moto.stepfunctions.parser").level == level}))
"""


def test_given_a_fresh_process_when_the_local_cloud_starts_and_stops_twice_then_every_patch_is_restored() -> (
    None
):
    # Given a fresh process (moto's state is process-wide; the test session may run its own cloud)
    # When a LocalAws is started, used and stopped twice
    done = subprocess.run(
        [sys.executable, "-c", _CYCLE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    # Then every hooked attribute, the moto config and the logger level are as before
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"changed": [], "config": True, "logger": True}


# ---- behaviour of the stand-in that the workflow tests do not cover ---------------------


@pytest.fixture(scope="module")
def local_aws() -> Iterator[LocalAws]:
    from local.cloud.aws import LocalAws

    active = LocalAws.active()
    if active is not None:
        yield active
        return
    aws = LocalAws(clock=VirtualClock())
    aws.start()
    try:
        yield aws
    finally:
        aws.stop()


class Boom(Exception):
    pass


def _boom(event: Any, context: Any) -> Any:
    raise Boom(f"no {event['what']}")


def _context_echo(event: Any, context: Any) -> Any:
    return {
        "event": event,
        "function_name": context.function_name,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "log_group": context.log_group_name,
        "remaining": context.get_remaining_time_in_millis(),
    }


SEEN: list[Any] = []


def _collect(event: Any, context: Any) -> None:
    SEEN.append(event)


def test_given_the_server_when_asked_for_its_config_then_lambda_runs_without_docker(
    local_aws: LocalAws,
) -> None:
    # Given the running stand-in
    import requests

    # When its config endpoint is read
    config = requests.get(f"{local_aws.endpoint_url}/moto-api/config", timeout=5).json()

    # Then Lambda runs without Docker and the server listens on 127.0.0.1 only
    assert config["lambda"] == {"use_docker": False}
    assert require(aws_module.USER_CONFIG)["stepfunctions"] == {"execute_state_machine": True}
    assert local_aws.endpoint_url.startswith("http://127.0.0.1:")


def test_given_a_function_when_invoked_through_the_api_then_the_handler_runs_with_a_context(
    local_aws: LocalAws,
) -> None:
    # Given a registered function
    name = f"guard-context-{time.time_ns()}"
    local_aws.create_function(name, _context_echo, memory_mb=512, timeout_s=7)

    # When it is invoked through the Lambda API
    response = local_aws.client("lambda").invoke(FunctionName=name, Payload=b'{"a": 1}')

    # Then the handler saw the event and a realistic context
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response
    assert body["event"] == {"a": 1}
    assert body["function_name"] == name
    assert body["arn"].endswith(f":function:{name}")
    assert body["memory"] == 512
    assert body["log_group"] == f"/aws/lambda/{name}"
    assert 0 < body["remaining"] <= 7000
    assert local_aws.functions.calls(name)[-1].request_id == body["request_id"]


def test_given_a_failing_function_when_invoked_then_the_error_type_is_the_exception_class(
    local_aws: LocalAws,
) -> None:
    # Given a function whose handler raises Boom
    name = f"guard-boom-{time.time_ns()}"
    local_aws.create_function(name, _boom)

    # When it is invoked
    response = local_aws.client("lambda").invoke(FunctionName=name, Payload=b'{"what": "luck"}')

    # Then the response says Unhandled with the class name, message and stack
    assert response["FunctionError"] == "Unhandled"
    body = json.loads(response["Payload"].read())
    assert (body["errorType"], body["errorMessage"]) == ("Boom", "no luck")
    assert body["stackTrace"]
    assert local_aws.functions.calls(name)[-1].error_type == "Boom"


def test_given_a_topic_with_a_lambda_subscription_when_published_then_the_handler_gets_an_sns_event(
    local_aws: LocalAws,
) -> None:
    # Given a topic with a Lambda subscription filtered on an attribute
    name = f"guard-sns-{time.time_ns()}"
    arn = local_aws.create_function(name, _collect)
    sns = local_aws.client("sns")
    topic = sns.create_topic(Name=name)["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=arn,
        Attributes={"FilterPolicy": json.dumps({"channel": ["email"]})},
    )
    SEEN.clear()

    # When two messages are published, one matching the filter
    attrs = {"channel": {"DataType": "String", "StringValue": "email"}}
    sns.publish(TopicArn=topic, Message="hello", Subject="Hi", MessageAttributes=attrs)
    sns.publish(
        TopicArn=topic,
        Message="skip",
        MessageAttributes={"channel": {"DataType": "String", "StringValue": "sms"}},
    )
    local_aws.deliveries.settle()  # SNS invokes Lambda asynchronously

    # Then the handler got one SNS event, shaped as AWS sends it
    assert len(SEEN) == 1
    record = SEEN[0]["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["TopicArn"] == topic
    assert (record["Sns"]["Message"], record["Sns"]["Subject"]) == ("hello", "Hi")
    assert record["Sns"]["MessageAttributes"]["channel"] == {"Type": "String", "Value": "email"}


def test_given_a_rule_targeting_a_state_machine_when_an_event_matches_then_an_execution_starts(
    local_aws: LocalAws,
) -> None:
    # Given a rule on a custom bus targeting a state machine
    suffix = str(time.time_ns())
    machine = local_aws.create_state_machine(
        f"guard-target-{suffix}", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    )
    events = local_aws.client("events")
    events.create_event_bus(Name=f"guard-{suffix}")
    events.put_rule(Name="r", EventBusName=f"guard-{suffix}", EventPattern=json.dumps({"source": ["guard"]}))
    events.put_targets(Rule="r", EventBusName=f"guard-{suffix}", Targets=[{"Id": "sm", "Arn": machine}])

    # When a matching event is put
    events.put_events(
        Entries=[
            {"EventBusName": f"guard-{suffix}", "Source": "guard", "DetailType": "Poked", "Detail": "{}"}
        ]
    )

    # Then an execution of the machine ran with the event as input
    sfn = local_aws.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert len(executions) == 1
    described = local_aws.wait_for_execution(executions[0]["executionArn"])
    assert json.loads(described["input"])["detail-type"] == "Poked"


def test_given_a_target_with_a_retry_policy_and_dlq_then_moto_keeps_them_where_the_delivery_reads_them(
    local_aws: LocalAws,
) -> None:
    # Given a rule whose Lambda target has a retry policy and a DLQ, put through the API
    suffix = str(time.time_ns())
    events = local_aws.client("events")
    events.create_event_bus(Name=f"guard-{suffix}")
    events.put_rule(Name="r", EventBusName=f"guard-{suffix}", EventPattern=json.dumps({"source": ["guard"]}))
    target = {
        "Id": "fn",
        "Arn": f"arn:aws:lambda:{local_aws.region}:{local_aws.account_id}:function:guard-{suffix}",
        "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120},
        "DeadLetterConfig": {"Arn": f"arn:aws:sqs:{local_aws.region}:{local_aws.account_id}:guard-{suffix}"},
    }
    events.put_targets(Rule="r", EventBusName=f"guard-{suffix}", Targets=[target])

    # When moto's rule object is looked at (what the send_to_targets hook receives)
    backend = require("moto.events.models:events_backends")[local_aws.account_id][local_aws.region]
    rule = backend.describe_rule("r", f"guard-{suffix}")

    # Then the target dictionary keeps the API's keys, and the rule has its ARN
    (stored,) = rule.targets
    assert stored["RetryPolicy"] == target["RetryPolicy"], _where("Rule.targets lost RetryPolicy")
    assert stored["DeadLetterConfig"] == target["DeadLetterConfig"], _where(
        "Rule.targets lost DeadLetterConfig"
    )
    handoff = aws_module._handoff(rule, stored)
    assert (handoff.retry_attempts, handoff.max_event_age_s) == (3, 120.0)
    assert handoff.dead_letter_queue == target["DeadLetterConfig"]["Arn"]
    assert handoff.rule_arn.endswith(f"rule/guard-{suffix}/r"), _where(f"Rule.arn is {handoff.rule_arn}")


def test_given_two_functions_when_they_disagree_on_an_environment_value_then_registration_fails() -> None:
    # Given a registry with one function setting a value
    registry = FunctionRegistry()
    key = f"GUARD_ENV_{time.time_ns()}"
    try:
        registry.register("a", _boom, environment={key: "1"})
        registry.register("b", _boom, environment={key: "1"})  # the same value is fine
        assert os.environ[key] == "1"

        # When another function wants a different value
        # Then registration says which functions conflict
        with pytest.raises(EnvironmentConflictError, match=f"'b'.*{key}|'c'.*{key}"):
            registry.register("c", _boom, environment={key: "2"})
    finally:
        registry.close()
    # and closing the registry restores the environment
    assert key not in os.environ


def test_given_a_virtual_clock_when_a_waiter_has_a_deadline_then_only_advance_ends_it() -> None:
    # Given a virtual clock and a waiter with a 60 s deadline
    clock = VirtualClock()
    event = clock.new_event()
    outcome: list[bool] = []
    waiter = threading.Thread(target=lambda: outcome.append(event.wait(60)))
    waiter.start()
    time.sleep(0.05)
    # a sleep elsewhere does not move the waiter's time
    clock.sleep(3600, "elsewhere")
    time.sleep(0.05)
    assert not outcome

    # When the clock is advanced past the deadline
    clock.advance(61)
    waiter.join(2)

    # Then the wait ended as timed out, and sleeps were recorded
    assert outcome == [False]
    assert ("elsewhere", 3600.0) in clock.waits


def test_given_a_scaled_clock_when_sleeping_then_real_time_is_divided_by_the_factor() -> None:
    # Given a clock running 100 times faster than real time
    clock = ScaledClock(100)

    # When it sleeps 20 s of clock time
    started = time.perf_counter()
    clock.sleep(20, "Wait")
    elapsed = time.perf_counter() - started

    # Then about 0.2 s of real time passed
    assert 0.15 < elapsed < 1.0
    assert clock.waits == [("Wait", 20.0)]
