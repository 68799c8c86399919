"""Hooks that make moto's Step Functions interpreter a faithful, fast local Step Functions.

What :meth:`Interpreter.install` changes in moto 5.2.5 (every target is guarded by a test in
``tests/integration/test_moto_guards.py``):

* the interpreter's AWS clients (``boto_client_for``): Lambda and Step Functions calls are
  dispatched in-process (no HTTP, no new boto3 client per step); other services get one cached
  client per service bound to the local endpoint (moto's own points at port 5000);
* nested executions (``states:startExecution``, ``.sync``, ``.sync:2``): parameters accepted in
  the ASL casing, responses given AWS's casing (``ExecutionArn``, ``Output``, ...);
* ``StartSyncExecution`` for EXPRESS state machines (moto answers 404): run in the caller's
  thread; Express execution ARNs accepted by DescribeExecution and friends;
* time: Wait states, retry back-offs, task timeouts, heartbeats and task-token waits follow the
  local cloud's clock;
* small fixes: an execution's output stored JSON-encoded (a string result is ``"\\"text\\""``),
  status published only once output/error are in place, StopExecution and SendTaskFailure keep
  error and cause, an execution started without a name gets one.
"""

from __future__ import annotations

import copy
import datetime
import functools
import io
import json
import logging
import math
import threading
import time
import types
import uuid
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core.exceptions import AWSError, JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

from local.cloud.clock import VirtualClock
from local.cloud.patching import require

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.cloud.clock import Clock
    from local.cloud.functions import FunctionRegistry
    from local.cloud.patching import Patches

LOG = logging.getLogger(__name__)

P = "moto.stepfunctions.parser"
ASL = f"{P}.asl.component"
TASK = f"{ASL}.state.exec.state_task"

BOTO_CLIENT_FOR = f"{P}.asl.utils.boto_client:boto_client_for"
#: modules that imported ``boto_client_for`` by name, so each needs the hook
BOTO_CLIENT_USERS = (
    f"{P}.asl.utils.boto_client",
    f"{TASK}.lambda_eval_utils",
    f"{TASK}.service.state_task_service_sfn",
    f"{TASK}.service.state_task_service_sns",
    f"{TASK}.service.state_task_service_sqs",
    f"{TASK}.service.state_task_service_events",
    f"{TASK}.service.state_task_service_dynamodb",
    f"{TASK}.service.state_task_service_aws_sdk",
    f"{TASK}.service.state_task_service_unsupported",
    f"{TASK}.service.state_task_service_glue",
    f"{TASK}.service.state_task_service_ecs",
    f"{TASK}.service.state_task_service_batch",
    f"{ASL}.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
    f"{ASL}.state.exec.state_map.item_reader.eval.resource_eval_s3",
)
WAIT_INTERVAL = f"{ASL}.state.wait.wait_function.wait_function:WaitFunction._wait_interval"
TIMESTAMP_WAIT = f"{ASL}.state.wait.wait_function.timestamp:Timestamp"
RETRIER_TIME = f"{ASL}.common.retry.retrier_decl:time"
EXECUTE_STATE_THREADING = f"{ASL}.state.exec.execute_state:threading"
CALLBACK_EVENT = f"{P}.asl.eval.callback.callback:Event"
#: where the interpreter stamps an execution's start ($$.Execution.StartTime) and a state's entry
#: ($$.State.EnteredTime) with the wall clock
EXECUTION_START_DATETIME = f"{P}.models:datetime"
STATE_ENTERED_DATETIME = f"{ASL}.state.state:datetime"
SYNC_POLL_DELAY = f"{TASK}.service.state_task_service_callback:_DELAY_SECONDS_SYNC_CONDITION_CHECK"
SFN_NORMALISE_RESPONSE = f"{TASK}.service.state_task_service_sfn:StateTaskServiceSfn._normalise_response"
AWS_SDK_SERVICE = f"{TASK}.service.state_task_service_aws_sdk:StateTaskServiceAwsSdk"
#: moto leaves an ``aws-sdk:*`` task's parameters and answer as written (both no-ops inherited)
AWS_SDK_NORMALISE_PARAMETERS = f"{AWS_SDK_SERVICE}._normalise_parameters"
AWS_SDK_NORMALISE_RESPONSE = f"{AWS_SDK_SERVICE}._normalise_response"
#: the base class's casing converters, driven by the operation's botocore shapes
AWS_SDK_TO_BOTO_REQUEST = f"{AWS_SDK_SERVICE}._to_boto_request"
AWS_SDK_FROM_BOTO_RESPONSE = f"{AWS_SDK_SERVICE}._from_boto_response"
REFLECT_STATUS = f"{P}.backend.execution:BaseExecutionWorkerCommunication._reflect_execution_status"
SYNC_EXECUTION = f"{P}.backend.execution:SyncExecution"
PROGRAM_STATES = f"{P}.asl.eval.program_state"
PROGRAM_STATE_NAMES = ("ProgramEnded", "ProgramStopped", "ProgramError", "ProgramTimedOut")
PARSER_BACKENDS = f"{P}.models:stepfunctions_parser_backends"
PARSER_BACKEND = f"{P}.models:StepFunctionsParserBackend"
BACKEND_START = f"{PARSER_BACKEND}.start_execution"
BACKEND_EXEC_ARN_FORMAT = f"{PARSER_BACKEND}.accepted_exec_arn_format"
RESPONSE = "moto.stepfunctions.responses:StepFunctionResponse"
PARSER_LOGGER = "moto.stepfunctions.parser"
ASL_PARSE = f"{P}.asl.parse.asl_parser:AmazonStateLanguageParser.parse"
INTRINSIC_PARSE = f"{P}.asl.parse.intrinsic.intrinsic_parser:IntrinsicParser.parse"
JSON_PATH_PARSE = f"{P}.asl.utils.json_path:parse"
RESULT_PATH_PARSE = f"{ASL}.common.path.result_path:parse"
#: parse trees kept per definition (a definition is parsed again for every execution otherwise)
PARSE_CACHE_SIZE = 256

#: every moto attribute this module hooks or reads (guarded by tests/integration/test_moto_guards.py)
HOOKS: tuple[str, ...] = (
    *(f"{module}:boto_client_for" for module in BOTO_CLIENT_USERS),
    WAIT_INTERVAL,
    TIMESTAMP_WAIT,
    RETRIER_TIME,
    EXECUTE_STATE_THREADING,
    CALLBACK_EVENT,
    SYNC_POLL_DELAY,
    SFN_NORMALISE_RESPONSE,
    AWS_SDK_NORMALISE_PARAMETERS,
    AWS_SDK_NORMALISE_RESPONSE,
    AWS_SDK_TO_BOTO_REQUEST,
    AWS_SDK_FROM_BOTO_RESPONSE,
    REFLECT_STATUS,
    SYNC_EXECUTION,
    *(f"{PROGRAM_STATES}:{name}" for name in PROGRAM_STATE_NAMES),
    PARSER_BACKENDS,
    BACKEND_START,
    BACKEND_EXEC_ARN_FORMAT,
    f"{RESPONSE}.stop_execution",
    f"{RESPONSE}.send_task_failure",
    f"{P}.api:ExecutionStatus",
    ASL_PARSE,
    INTRINSIC_PARSE,
    JSON_PATH_PARSE,
    RESULT_PATH_PARSE,
)

#: how often a ``.sync`` task looks at its child execution (moto: 0.5 s)
SYNC_POLL_SECONDS = 0.001
#: how long a look waits for a running child to end (``_StepFunctionsClient.describe_execution``)
CHILD_WAIT_SECONDS = 0.05

_EXPRESS_ARN = r"(?P<account_id>[0-9]{12}):(execution|express):.+"


#: state types whose components hold evaluation state on themselves (never shared)
UNSHAREABLE_STATE_TYPES = frozenset({"Map", "Parallel"})


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def shareable_definition(text: str) -> bool:
    """May the executions of this ASL definition share its evaluation components? Not when a
    state (at any depth) is a Map or a Parallel, nor when the text is not a JSON object."""
    try:
        definition = json.loads(text)
    except ValueError:
        return False

    def states_ok(node: Any) -> bool:
        if isinstance(node, dict):
            if node.get("Type") in UNSHAREABLE_STATE_TYPES:
                return False
            return all(states_ok(v) for v in node.values())
        if isinstance(node, list):
            return all(states_ok(v) for v in node)
        return True

    return isinstance(definition, dict) and states_ok(definition)


class StateMachineTypeNotSupported(AWSError):
    TYPE = "StateMachineTypeNotSupported"
    STATUS = 400


@functools.cache
def _service_model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def _sdk_operation(task: Any, boto_service_name: Any, service_action_name: Any) -> Any:
    """The botocore operation an ``aws-sdk:<service>:<action>`` task calls."""
    action = str(service_action_name or task.resource.api_action)
    model = _service_model(task._get_boto_service_name(boto_service_name))
    return model.operation_model(action[:1].upper() + action[1:])


def _client_error(exc: JsonRESTError, operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": exc.error_type, "Message": exc.message},
            "ResponseMetadata": {"HTTPStatusCode": exc.code, "RequestId": str(uuid.uuid4())},
        },
        operation,
    )


def _epoch_millis(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return int(value.timestamp() * 1000)
    return value


def _pascal(key: str) -> str:
    return key[:1].upper() + key[1:]


def to_aws_casing(response: dict[str, Any]) -> None:
    """A Step Functions API response as a service integration returns it: keys capitalised
    (``executionArn`` → ``ExecutionArn``), dates as epoch milliseconds; payloads untouched."""
    for key in list(response):
        value = _epoch_millis(response.pop(key))
        if key.endswith("Details") and isinstance(value, dict):
            value = {_pascal(k): v for k, v in value.items()}
        response[_pascal(key)] = value


def _json_str(value: Any) -> str:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    return str(to_json_str(value, separators=(",", ":")))


class _TimeModule(types.SimpleNamespace):
    """Stands in for the ``time`` module where the interpreter sleeps between retries."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(**{k: getattr(time, k) for k in ("time", "monotonic", "perf_counter")})
        self._clock = clock

    def sleep(self, seconds: float) -> None:
        self._clock.sleep(seconds, "Retry")


class _ThreadingModule(types.SimpleNamespace):
    """Stands in for ``threading`` where the interpreter times a task (TimeoutSeconds)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(Thread=threading.Thread, Lock=threading.Lock, RLock=threading.RLock)
        self.Event = clock.new_event


class _DatetimeModule(types.SimpleNamespace):
    """Stands in for ``datetime`` where the interpreter stamps times: ``datetime.now`` is the
    clock's, so a machine that prices or decides at ``$$.Execution.StartTime`` sees the same time
    as the handlers do (the virtual clock moved forward included)."""

    def __init__(self, clock: Clock) -> None:
        class ClockDatetime(datetime.datetime):
            @classmethod
            def now(cls, tz: datetime.tzinfo | None = None) -> datetime.datetime:  # type: ignore[override]
                return datetime.datetime.fromtimestamp(clock.now(), tz=tz)

        super().__init__(datetime=ClockDatetime, timezone=datetime.timezone, timedelta=datetime.timedelta)


class Interpreter:
    """The Step Functions interpreter hooks for one running local cloud."""

    def __init__(
        self,
        *,
        clock: Clock,
        functions: FunctionRegistry,
        endpoint_url: str,
        dispatch_async: Callable[[str, Any], None],
    ) -> None:
        self.clock = clock
        self.functions = functions
        self.endpoint_url = endpoint_url
        self.dispatch_async = dispatch_async
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()
        self._session = boto3.session.Session()
        self._logger_level: int | None = None
        #: the executions a task started (``states:startExecution``), by ARN, while they run
        #: (an ended one is described by moto); see :meth:`_StepFunctionsClient.describe_execution`
        self.children: dict[str, Any] = {}
        #: notified whenever an execution ends
        self.ended = threading.Condition()

    # ---- AWS clients used by the interpreter --------------------------------------------

    def http_client(self, service: str, region: str) -> Any:
        """One cached client per (service, region), bound to the local endpoint."""
        key = (service, region)
        client = self._clients.get(key)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._session.client(
                        service,
                        region_name=region,
                        endpoint_url=self.endpoint_url,
                        aws_access_key_id="local",
                        aws_secret_access_key="local",  # noqa: S106 - moto accepts any
                        config=Config(
                            parameter_validation=False,
                            retries={"max_attempts": 0, "total_max_attempts": 1},
                            connect_timeout=60,
                            read_timeout=3600,
                            inject_host_prefix=False,
                            max_pool_connections=50,
                        ),
                    )
                    self._clients[key] = client
        return client

    def boto_client_for(self, region: str, service: str, state_credentials: Any = None) -> Any:
        if service == "lambda":
            return _LambdaClient(self, region)
        if service == "stepfunctions":
            return _StepFunctionsClient(self, region)
        return self.http_client(service, region)

    # ---- executions ---------------------------------------------------------------------

    @staticmethod
    def backend(account_id: str, region: str) -> Any:
        return require(PARSER_BACKENDS)[account_id][region]

    @staticmethod
    def backend_for_arn(arn: str) -> Any:
        parts = arn.split(":")
        return Interpreter.backend(parts[4], parts[3])

    def start_sync_execution(
        self, account_id: str, region: str, arn: str, name: str | None, input_data: str | None
    ) -> dict[str, Any]:
        """StartSyncExecution: run an EXPRESS execution to the end in the caller's thread."""
        sync_execution_cls = require(SYNC_EXECUTION)
        backend = self.backend(account_id, region)
        state_machine = backend.describe_state_machine(arn)
        if state_machine.type != "EXPRESS":
            raise StateMachineTypeNotSupported(
                "This operation is not supported by this type of state machine"
            )
        input_data = input_data or "{}"
        try:
            json.loads(input_data)
        except ValueError as exc:
            raise AWSError(
                f"Invalid State Machine Execution Input: '{exc}'", "InvalidExecutionInput"
            ) from exc
        name = name or str(uuid.uuid4())
        # a snapshot of the definition, as moto's StartExecution takes (executions and backend shared)
        clone = copy.deepcopy(
            state_machine,
            {id(state_machine.executions): [], id(state_machine.backend): state_machine.backend},
        )
        execution = sync_execution_cls(
            name=name,
            sm_type=clone.sm_type,
            role_arn=clone.roleArn,
            exec_arn=f"arn:aws:states:{region}:{account_id}:express:{state_machine.name}:{name}:{uuid.uuid4()}",
            account_id=account_id,
            region_name=region,
            state_machine=clone,
            start_date=datetime.datetime.fromtimestamp(self.clock.now(), tz=datetime.UTC),
            cloud_watch_logging_session=None,
            input_data=input_data,
            trace_header=None,
            activity_store={},
        )
        state_machine.executions.append(execution)
        t0 = time.perf_counter()
        execution.start()
        billed_ms = max(100, math.ceil((time.perf_counter() - t0) * 10) * 100)
        status = execution.exec_status.value
        out: dict[str, Any] = {
            "executionArn": execution.exec_arn,
            "stateMachineArn": state_machine.arn,
            "name": name,
            "startDate": execution.start_date,
            "stopDate": execution.stop_date,
            "status": status if status in ("SUCCEEDED", "TIMED_OUT") else "FAILED",
            "input": input_data,
            "inputDetails": {"included": True},
            "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed_ms},
        }
        if status == "SUCCEEDED":
            out["output"] = execution.output
            out["outputDetails"] = {"included": True}
        if execution.error is not None:
            out["error"] = execution.error
        if execution.cause is not None:
            out["cause"] = execution.cause
        return out

    def stop_execution(self, arn: str, error: str | None, cause: str | None) -> Any:
        """StopExecution: ABORTED at once, error and cause kept, waiting tasks released."""
        backend = self.backend_for_arn(arn)
        execution = backend.describe_execution(arn)
        if execution.status != "RUNNING":
            return execution
        stop_date = datetime.datetime.now(tz=datetime.UTC)
        aborted = require(f"{P}.api:ExecutionStatus").ABORTED
        execution.error = error
        execution.cause = cause
        execution.stop_date = stop_date
        execution.exec_status = aborted
        self.children.pop(arn, None)
        with self.ended:
            self.ended.notify_all()
        worker = execution.exec_worker
        env = getattr(worker, "env", None)
        if env is not None:
            env.set_stop(stop_date=stop_date, cause=cause, error=error)
            for endpoint in list(env.callback_pool_manager._pool.values()):
                endpoint.interrupt_all()
        return execution

    # ---- install ------------------------------------------------------------------------

    def install(self, patches: Patches) -> None:
        for module in BOTO_CLIENT_USERS:
            patches.replace(f"{module}:boto_client_for", self.boto_client_for)
        self._install_clock(patches)
        self._install_fixes(patches)
        self._install_parse_cache(patches)
        self._install_api(patches)
        logger = logging.getLogger(PARSER_LOGGER)
        self._logger_level = logger.level
        logger.setLevel(logging.CRITICAL)

    def uninstall_logging(self) -> None:
        if self._logger_level is not None:
            logging.getLogger(PARSER_LOGGER).setLevel(self._logger_level)
            self._logger_level = None

    def _install_clock(self, patches: Patches) -> None:
        clock = self.clock
        timestamp_cls = require(TIMESTAMP_WAIT)

        def wait_interval(wait_function: Any, env: Any, wait_seconds: int) -> None:
            seconds = float(wait_seconds)
            if isinstance(wait_function, timestamp_cls):
                # moto measured the timestamp against real time; measure it against the clock
                seconds += time.time() - clock.now()
            if seconds <= 0:
                return
            try:
                what = "Wait:" + env.states.context_object.context_object_data["State"]["Name"]
            except (AttributeError, KeyError, TypeError):
                what = "Wait"
            if isinstance(clock, VirtualClock):
                clock.sleep(seconds, what)
            else:
                clock.wait(env.program_state_event, seconds, what)

        patches.replace(WAIT_INTERVAL, wait_interval)
        patches.replace(RETRIER_TIME, _TimeModule(clock))
        patches.replace(EXECUTE_STATE_THREADING, _ThreadingModule(clock))
        patches.replace(CALLBACK_EVENT, clock.new_event)
        stamps = _DatetimeModule(clock)
        patches.replace(EXECUTION_START_DATETIME, stamps)
        patches.replace(STATE_ENTERED_DATETIME, stamps)
        patches.replace(SYNC_POLL_DELAY, SYNC_POLL_SECONDS)

    def _install_parse_cache(self, patches: Patches) -> None:
        """moto lexes and parses a definition with ANTLR at every execution (and each intrinsic
        function and JSONPath at every use), then builds the evaluation components from the tree:
        tens of milliseconds of CPU per execution, twice per checkout (the nested fee calculation).

        The parse trees are kept per text. The components built from a tree are kept too, and
        shared by the executions of that definition, when it has no Map and no Parallel state:
        every other component keeps what an evaluation changes in the execution's ``Environment``
        (its stack, heap, retry attempt counts, program state), never on itself, so executions
        running at once do not see each other; Map and Parallel hold their workers and counters on
        the component, so a definition with either gets fresh components from moto's preprocessor
        for every execution, as before. (``tests/integration/test_moto_guards.py`` scans moto's
        components for evaluation-time assignments, so a change there fails loudly.)"""
        from moto.stepfunctions.parser.asl.parse.intrinsic.preprocessor import (
            Preprocessor as IntrinsicPreprocessor,
        )
        from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

        def cached(parse: Callable[[str], tuple[Any, Any]], preprocessor: type[Any]) -> Any:
            @functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
            def tree_of(text: str) -> Any:
                return parse(text)[1]  # raises on a syntax error (nothing is cached then)

            def parse_with_cache(text: str) -> tuple[Any, Any]:
                tree = tree_of(text)
                return preprocessor().visit(tree), tree

            return parse_with_cache

        def shared(parse_with_cache: Callable[[str], tuple[Any, Any]]) -> Any:
            @functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
            def program_of(text: str) -> tuple[Any, Any]:
                return parse_with_cache(text)

            def parse_sharing(text: str) -> tuple[Any, Any]:
                if shareable_definition(text):
                    return program_of(text)
                return parse_with_cache(text)

            return staticmethod(parse_sharing)

        patches.replace(ASL_PARSE, shared(cached(require(ASL_PARSE), Preprocessor)))
        patches.replace(
            INTRINSIC_PARSE, staticmethod(cached(require(INTRINSIC_PARSE), IntrinsicPreprocessor))
        )
        # jsonpath_ng builds a new PLY parser for every path it parses; a parsed path is immutable
        for target in (JSON_PATH_PARSE, RESULT_PATH_PARSE):
            patches.replace(target, functools.lru_cache(maxsize=4096)(require(target)))

    def _install_fixes(self, patches: Patches) -> None:
        ended, stopped, failed, timed_out = (
            require(f"{PROGRAM_STATES}:{name}") for name in PROGRAM_STATE_NAMES
        )
        execution_status = require(f"{P}.api:ExecutionStatus")

        def reflect_execution_status(comm: Any) -> None:
            execution = comm.execution
            if execution.exec_status == execution_status.ABORTED:
                return  # StopExecution already published the outcome
            program_state = execution.exec_worker.env.program_state()
            output = error = cause = None
            if isinstance(program_state, ended):
                status = execution_status.SUCCEEDED
                output = _json_str(execution.exec_worker.env.states.get_input())
            elif isinstance(program_state, stopped):
                status = execution_status.ABORTED
                error = program_state.error or execution.error
                cause = program_state.cause or execution.cause
            elif isinstance(program_state, failed):
                status = execution_status.FAILED
                error = program_state.error.get("error")
                cause = program_state.error.get("cause")
            elif isinstance(program_state, timed_out):
                status = execution_status.TIMED_OUT
            else:
                raise RuntimeWarning(f"Execution ended with unsupported ProgramState {type(program_state)}")
            execution.output = output
            execution.error = error
            execution.cause = cause
            if execution.stop_date is None or status != execution_status.ABORTED:
                execution.stop_date = datetime.datetime.now(tz=datetime.UTC)
            execution.exec_status = status  # last: readers poll the status
            self.children.pop(execution.execution_arn, None)
            with self.ended:
                self.ended.notify_all()

        patches.replace(REFLECT_STATUS, reflect_execution_status)

        original_start = require(BACKEND_START)

        def start_execution(
            backend: Any,
            state_machine_arn: str,
            name: str | None = None,
            execution_input: Any = None,
            **kw: Any,
        ) -> Any:
            return original_start(
                backend, state_machine_arn, name or str(uuid.uuid4()), execution_input, **kw
            )

        patches.replace(BACKEND_START, start_execution)
        exec_arn_format = require(BACKEND_EXEC_ARN_FORMAT)
        import re

        patches.replace(
            BACKEND_EXEC_ARN_FORMAT,
            re.compile(
                exec_arn_format.pattern.replace(r"(?P<account_id>[0-9]{12}):execution:.+", _EXPRESS_ARN)
            ),
        )

        def normalise_response(task: Any, response: Any, *args: Any, **kwargs: Any) -> None:
            if isinstance(response, dict):
                to_aws_casing(response)

        patches.replace(SFN_NORMALISE_RESPONSE, normalise_response)

        # an aws-sdk task as on AWS: the ASL's parameter names (``StateMachineArn``) given to the
        # SDK in its own casing, the answer's members in the ASL's (``Status``, ``Output``)
        def aws_sdk_parameters(
            task: Any, parameters: Any, boto_service_name: Any = None, service_action_name: Any = None
        ) -> None:
            operation = _sdk_operation(task, boto_service_name, service_action_name)
            task._to_boto_request(parameters, operation.input_shape)

        def aws_sdk_response(
            task: Any, response: Any, boto_service_name: Any = None, service_action_name: Any = None
        ) -> None:
            operation = _sdk_operation(task, boto_service_name, service_action_name)
            task._from_boto_response(response, operation.output_shape)

        patches.replace(AWS_SDK_NORMALISE_PARAMETERS, aws_sdk_parameters)
        patches.replace(AWS_SDK_NORMALISE_RESPONSE, aws_sdk_response)

    def _install_api(self, patches: Patches) -> None:
        interpreter = self

        def start_sync_execution(response: Any) -> ActionResult:
            out = interpreter.start_sync_execution(
                response.current_account,
                response.region,
                response._get_param("stateMachineArn"),
                response._get_param("name"),
                response._get_param("input"),
            )
            return ActionResult(out)

        def stop_execution(response: Any) -> ActionResult:
            execution = interpreter.stop_execution(
                response._get_param("executionArn"),
                response._get_param("error"),
                response._get_param("cause"),
            )
            return ActionResult({"stopDate": execution.stop_date})

        def send_task_failure(response: Any) -> EmptyResult:
            response.stepfunction_backend.send_task_failure(
                response._get_param("taskToken"),
                error=response._get_param("error"),
                cause=response._get_param("cause"),
            )
            return EmptyResult()

        patches.add(f"{RESPONSE}.start_sync_execution", start_sync_execution)
        patches.replace(f"{RESPONSE}.stop_execution", stop_execution)
        patches.replace(f"{RESPONSE}.send_task_failure", send_task_failure)


class _LambdaClient:
    """The interpreter's Lambda client: registered functions run in-process."""

    def __init__(self, interpreter: Interpreter, region: str) -> None:
        self._interpreter = interpreter
        self._region = region

    def invoke(self, **params: Any) -> dict[str, Any]:
        name = params.get("FunctionName", "")
        functions = self._interpreter.functions
        if name not in functions:
            return dict(self._interpreter.http_client("lambda", self._region).invoke(**params))
        body = params.get("Payload")
        if params.get("InvocationType") == "Event":
            self._interpreter.dispatch_async(name, json.loads(body) if body else {})
            return {"StatusCode": 202, "Payload": io.BytesIO(b"")}
        result = functions.invoke_json(name, body)
        response: dict[str, Any] = {
            "StatusCode": 200,
            "ExecutedVersion": "$LATEST",
            "Payload": io.BytesIO(result.payload_bytes()),
        }
        if result.failed:
            response["FunctionError"] = "Unhandled"
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._interpreter.http_client("lambda", self._region), name)


class _StepFunctionsClient:
    """The interpreter's Step Functions client: nested executions started in-process."""

    def __init__(self, interpreter: Interpreter, region: str) -> None:
        self._interpreter = interpreter
        self._region = region

    def start_execution(self, **params: Any) -> dict[str, Any]:
        arn = params.get("stateMachineArn") or params.get("StateMachineArn") or ""
        name = params.get("name") or params.get("Name")
        input_data = params.get("input", params.get("Input"))
        if input_data is not None and not isinstance(input_data, str):
            input_data = _json_str(input_data)
        try:
            execution = self._interpreter.backend_for_arn(arn).start_execution(arn, name, input_data or "{}")
        except JsonRESTError as exc:
            raise _client_error(exc, "StartExecution") from exc
        self._interpreter.children[execution.execution_arn] = execution
        return {"executionArn": execution.execution_arn, "startDate": execution.start_date}

    def start_sync_execution(self, **params: Any) -> dict[str, Any]:
        """``aws-sdk:sfn:startSyncExecution`` (an Express machine running another): in-process."""
        arn = params.get("stateMachineArn") or params.get("StateMachineArn") or ""
        name = params.get("name") or params.get("Name")
        input_data = params.get("input", params.get("Input"))
        parts = arn.split(":")
        try:
            return self._interpreter.start_sync_execution(parts[4], parts[3], arn, name, input_data)
        except (JsonRESTError, AWSError) as exc:
            raise _client_error(exc, "StartSyncExecution") from exc

    def describe_execution(self, **params: Any) -> dict[str, Any]:
        """DescribeExecution, which a ``.sync`` task calls every :data:`SYNC_POLL_SECONDS` until
        its child ends. For a child this task started, it answers from the interpreter's index
        (moto walks every execution of the machine to find one), and while the child runs it
        waits up to :data:`CHILD_WAIT_SECONDS` for it to end (notified, not polled): one look
        per child instead of one every millisecond, each a DescribeExecution's worth of work
        (with 20 checkouts at once, 170 looks per checkout took 9% of the local cloud's CPU)."""
        arn = params.get("executionArn") or params.get("ExecutionArn") or ""
        interpreter = self._interpreter
        execution = interpreter.children.get(arn)
        if execution is None:
            try:
                execution = interpreter.backend_for_arn(arn).describe_execution(arn)
            except JsonRESTError as exc:
                raise _client_error(exc, "DescribeExecution") from exc
        elif execution.status == "RUNNING":
            with interpreter.ended:
                interpreter.ended.wait_for(lambda: execution.status != "RUNNING", timeout=CHILD_WAIT_SECONDS)
        status = execution.status
        if status != "RUNNING":  # (a child that ended before start_execution indexed it)
            interpreter.children.pop(arn, None)
        out: dict[str, Any] = {
            "executionArn": arn,
            "stateMachineArn": execution.state_machine_arn,
            "name": execution.name,
            "status": status,
            "startDate": execution.start_date,
            "input": execution.execution_input,
            "inputDetails": {"included": True},
        }
        if status != "RUNNING" and execution.stop_date is not None:
            out["stopDate"] = execution.stop_date
        if status == "SUCCEEDED":
            output = execution.output
            out["output"] = output if isinstance(output, str) else _json_str(output)
            out["outputDetails"] = {"included": True}
        if execution.error is not None:
            out["error"] = execution.error
        if execution.cause is not None:
            out["cause"] = execution.cause
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._interpreter.http_client("stepfunctions", self._region), name)
