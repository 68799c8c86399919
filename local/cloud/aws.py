"""The AWS stand-in: moto in-process on a free 127.0.0.1 port, with working Lambda and Step Functions.

:class:`LocalAws` starts moto's server in a thread of this process, switches on its Step
Functions interpreter (``{"lambda": {"use_docker": False}, "stepfunctions":
{"execute_state_machine": True}}`` in moto's ``default_user_config``, the same dictionary
``mock_aws(config=...)`` and ``POST /moto-api/config`` write), and hooks moto so that:

* Lambda invocations - ``lambda.invoke``, Task states, EventBridge rule targets, SNS
  subscriptions - run the registered Python handlers in-process (:mod:`local.cloud.functions`);
  a handler's exception class name is the error name Retry/Catch match;
* asynchronous invocations (EventBridge rule targets, SNS subscriptions, ``InvocationType=Event``)
  go through a queue worked by background threads, as on AWS: at least once, in no particular
  order, retried on the clock, then to a dead-letter queue (:class:`local.cloud.delivery.Deliveries`,
  at :attr:`LocalAws.deliveries`); a rule target's ``RetryPolicy`` and ``DeadLetterConfig`` apply;
* the handlers read the same clock as the interpreter: the clock is the process's time source
  (:func:`workflows.shared.clock.install_time_source`) while the LocalAws runs, and Cognito
  issues its tokens on it (so a token issued after the clock moved ahead is not born expired);
* EventBridge rules can target Step Functions state machines too;
* the Step Functions interpreter is complete enough for the project (:mod:`local.cloud.stepfunctions`,
  :mod:`local.cloud.jsonata`) and its time follows a clock (:mod:`local.cloud.clock`).

Only one LocalAws runs at a time (moto's state is process-wide). ``stop()`` undoes every hook,
stops the server and resets moto's state, so tests can start and stop it repeatedly.

Note for clients: ``StartSyncExecution`` has the ``sync-`` host prefix; a client with a local
``endpoint_url`` needs ``Config(inject_host_prefix=False)`` (:meth:`LocalAws.client` sets it).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import datetime
import io
import json
import logging
import threading
import time
import uuid
import zipfile
from typing import TYPE_CHECKING, Any, ClassVar

import boto3
from botocore.config import Config

from local.cloud import jsonata
from local.cloud.delivery import SQS_BACKENDS, Deliveries, Handoff
from local.cloud.functions import FunctionRegistry, function_name_from
from local.cloud.inprocess import ENDPOINT_SEND, InProcessTransport
from local.cloud.patching import Patches, require
from local.cloud.stepfunctions import Interpreter
from workflows.shared.clock import install_time_source

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from local.cloud.clock import Clock

LOG = logging.getLogger(__name__)

#: the moto configuration the local cloud runs with
MOTO_CONFIG: dict[str, dict[str, bool]] = {
    "lambda": {"use_docker": False},
    "stepfunctions": {"execute_state_machine": True},
}

USER_CONFIG = "moto.core.config:default_user_config"
SERVER = "moto.moto_server.threaded_moto_server:ThreadedMotoServer"
SERVER_ENTRY = f"{SERVER}._server_entry"
REQUEST_HANDLER = "moto.moto_server.werkzeug_app:MotoRequestHandler"
DISPATCHER = "moto.moto_server.werkzeug_app:DomainDispatcherApplication"
BACKEND_APP = "moto.moto_server.werkzeug_app:create_backend_app"
LAMBDA_INVOKE = "moto.awslambda_simple.models:LambdaSimpleBackend.invoke"
RULE_SEND = "moto.events.models:Rule.send_to_targets"
EVENT_TEMPLATE = "moto.events.utils:EventTemplateParser"
SNS_PUBLISH = "moto.sns.models:Subscription.publish"
SQS_RETENTION = "moto.sqs.models:SQSBackend.is_message_valid_based_on_retention_period"
SQS_UNIX_TIME = "moto.sqs.models:unix_time"
#: the public methods of a response class, which moto lists (``inspect.getmembers``) on every request
METHOD_NAMES = "moto.core.responses:method_names_from_class"
MOTO_API_BACKEND = "moto.moto_api._internal.models:moto_api_backend"
TMP_THREADS = "moto.stepfunctions.parser.utils:TMP_THREADS"
BACKEND_FOR_HOST = f"{DISPATCHER}.get_backend_for_host"
#: the ``time`` module moto's Cognito issues tokens with (``iat``, ``exp``): the clock's instead
COGNITO_TIME = "moto.cognitoidp.models:time"

#: every moto attribute this module hooks or reads (guarded by tests/integration/test_moto_guards.py)
HOOKS: tuple[str, ...] = (
    USER_CONFIG,
    SERVER,
    SERVER_ENTRY,
    REQUEST_HANDLER,
    DISPATCHER,
    BACKEND_APP,
    LAMBDA_INVOKE,
    RULE_SEND,
    EVENT_TEMPLATE,
    SNS_PUBLISH,
    SQS_RETENTION,
    SQS_UNIX_TIME,
    METHOD_NAMES,
    MOTO_API_BACKEND,
    TMP_THREADS,
    BACKEND_FOR_HOST,
    COGNITO_TIME,
    ENDPOINT_SEND,
    SQS_BACKENDS,
)

_ROLE = "arn:aws:iam::{account}:role/local-lambda"


def _tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "# the local cloud runs the project's handler in-process\n")
    return buffer.getvalue()


def _iso(value: Any) -> str:
    if isinstance(value, int | float):
        moment = datetime.datetime.fromtimestamp(float(value), tz=datetime.UTC)
    elif isinstance(value, datetime.datetime):
        moment = value
    else:
        return str(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sns_timestamp() -> str:
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json_path(path: str, value: Any) -> Any:
    """The small JSONPath subset EventBridge's InputPath uses: ``$``, ``$.a.b``."""
    for part in [p for p in path.lstrip("$").split(".") if p]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _handoff(rule: Any, target: dict[str, Any]) -> Handoff:
    """A rule target's retry policy and DLQ as PutTargets stored them (AWS's defaults if not)."""
    policy = target.get("RetryPolicy") or {}
    return Handoff(
        rule_arn=str(getattr(rule, "arn", "")),
        target_arn=str(target["Arn"]),
        retry_attempts=int(policy.get("MaximumRetryAttempts", 185)),
        max_event_age_s=float(policy.get("MaximumEventAgeInSeconds", 86_400)),
        dead_letter_queue=(target.get("DeadLetterConfig") or {}).get("Arn"),
    )


class _ClockTime:
    """Stands in for the ``time`` module in moto's Cognito: tokens carry the clock's time, so an
    id token issued after the clock was advanced is valid for its hour of that clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def time(self) -> float:
        return self._clock.now()


class LocalAws:
    """moto on 127.0.0.1:<free port> with in-process Lambda and a working Step Functions."""

    _active: ClassVar[LocalAws | None] = None
    _active_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        *,
        clock: Clock,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        functions: FunctionRegistry | None = None,
    ) -> None:
        self.clock = clock
        self.region = region
        self.account_id = account_id
        self.functions = functions or FunctionRegistry(region=region, account_id=account_id)
        self.endpoint_url = ""
        #: Lambda's queue of asynchronous invocations (EventBridge targets, SNS, InvocationType=Event)
        self.deliveries = Deliveries(clock=clock, functions=self.functions, send_message=self._send_message)
        #: how an asynchronous invocation is submitted: ``deliver(function_name, event)``
        self.deliver: Callable[[str, Any], None] = self.deliveries.submit
        self._saved_time_source: Callable[[], float] | None = None
        self._patches = Patches()
        self._server: Any = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._saved_config: dict[str, Any] = {}
        self._interpreter: Interpreter | None = None
        self._role_created = False
        #: serves this process's botocore calls to :attr:`endpoint_url` without HTTP
        self.transport: InProcessTransport | None = None

    # ---- lifecycle --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @classmethod
    def active(cls) -> LocalAws | None:
        """The LocalAws running in this process, if any."""
        return cls._active

    def start(self) -> None:
        with LocalAws._active_lock:
            if LocalAws._active is not None:
                raise RuntimeError("a LocalAws is already running in this process; stop it first")
            LocalAws._active = self
        try:
            self._apply_config()
            self._saved_time_source = install_time_source(self.clock.now)
            self._patches.replace(COGNITO_TIME, _ClockTime(self.clock))
            self._install_dispatch_cache()
            self._start_server()
            self._interpreter = Interpreter(
                clock=self.clock,
                functions=self.functions,
                endpoint_url=self.endpoint_url,
                dispatch_async=self._deliver_any,
            )
            self._interpreter.install(self._patches)
            jsonata.install(self._patches)
            self._install_lambda()
            self._install_events()
            self._install_sns()
            self._install_sqs()
            self._install_method_names()
            self.deliveries.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop executions, undo every hook, stop the server, reset moto; safe to call twice."""
        try:
            self.deliveries.stop()
            self._stop_executions()
            self._join_execution_threads(timeout_s=3.0)
        finally:
            install_time_source(self._saved_time_source)
            self._saved_time_source = None
            self._patches.restore()
            if self._interpreter is not None:
                self._interpreter.uninstall_logging()
                self._interpreter = None
            if self._server is not None:
                self._server.stop()
                self._server = None
            require(MOTO_API_BACKEND).reset()
            require(TMP_THREADS).clear()
            self._restore_config()
            self.functions.close()
            self._clients.clear()
            self._role_created = False
            self.endpoint_url = ""
            with LocalAws._active_lock:
                if LocalAws._active is self:
                    LocalAws._active = None

    def __enter__(self) -> LocalAws:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _apply_config(self) -> None:
        config = require(USER_CONFIG)
        for key, value in MOTO_CONFIG.items():
            self._saved_config[key] = copy.deepcopy(config.get(key))
            config[key] = dict(value)

    def _restore_config(self) -> None:
        config = require(USER_CONFIG)
        for key, value in self._saved_config.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
        self._saved_config.clear()

    def _start_server(self) -> None:
        server_cls = require(SERVER)
        handler_cls = require(REQUEST_HANDLER)
        dispatcher = require(DISPATCHER)
        backend_app = require(BACKEND_APP)

        class QuietHandler(handler_cls):  # type: ignore[misc, valid-type]
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass

        app = dispatcher(backend_app)

        class QuietServer(server_cls):  # type: ignore[misc, valid-type]
            """moto's threaded server without a log line per request, closed on stop."""

            def _server_entry(self) -> None:
                from werkzeug.serving import make_server

                self._server = make_server(
                    self._ip_address, self._port, app, True, request_handler=QuietHandler
                )
                self._server.daemon_threads = True  # type: ignore[attr-defined]
                self._server_ready_event.set()
                self._server.serve_forever()

            def stop(self) -> None:
                super().stop()
                if self._server is not None:
                    self._server.server_close()

        server = QuietServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        self._server = server
        self.endpoint_url = f"http://{host}:{port}"
        # the SDK clients in this process reach the same app without a socket (inprocess.py)
        self.transport = InProcessTransport(app, self.endpoint_url)
        self.transport.install(self._patches)

    @staticmethod
    def _join_execution_threads(*, timeout_s: float) -> None:
        """Let stopped executions unwind while the interpreter's logging is still quiet."""
        deadline = time.monotonic() + timeout_s
        for thread in list(require(TMP_THREADS)):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if thread is not threading.current_thread():
                thread.join(remaining)

    def _stop_executions(self) -> None:
        if self._interpreter is None:
            return
        backends = require("moto.stepfunctions.parser.models:stepfunctions_parser_backends")
        for account in list(backends.values()):
            for backend in list(account.values()):
                for state_machine in list(backend.state_machines):
                    for execution in list(state_machine.executions):
                        running = getattr(execution, "exec_status", None) is not None
                        if running and execution.status == "RUNNING":
                            try:
                                self._interpreter.stop_execution(
                                    execution.execution_arn, "States.Aborted", "the local cloud stopped"
                                )
                            except Exception:  # best effort while shutting down
                                LOG.debug("could not stop %s", execution.execution_arn, exc_info=True)

    # ---- clients ----------------------------------------------------------------------

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` bound to the local endpoint (cached per service)."""
        if not self.endpoint_url:
            raise RuntimeError("LocalAws is not running")
        client = self._clients.get(service)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(service)
                if client is None:
                    client = boto3.session.Session().client(
                        service,
                        region_name=self.region,
                        endpoint_url=self.endpoint_url,
                        aws_access_key_id="local",
                        aws_secret_access_key="local",  # noqa: S106 - moto accepts any
                        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
                    )
                    self._clients[service] = client
        return client

    # ---- functions --------------------------------------------------------------------

    def create_function(
        self,
        name: str,
        handler: str | Callable[[Any, Any], Any],
        *,
        timeout_s: int = 10,
        memory_mb: int = 256,
        environment: Mapping[str, str] | None = None,
        description: str = "",
    ) -> str:
        """CreateFunction in moto (a tiny zip) and register the handler; returns the ARN."""
        self.functions.register(
            name, handler, timeout_s=timeout_s, memory_mb=memory_mb, environment=environment
        )
        self._ensure_role()
        handler_name = handler if isinstance(handler, str) else "handler.handler"
        response = self.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=_ROLE.format(account=self.account_id),
            Handler=handler_name,
            Code={"ZipFile": _tiny_zip()},
            Description=description,
            Timeout=timeout_s,
            MemorySize=memory_mb,
            Environment={"Variables": dict(environment or {})},
        )
        return str(response["FunctionArn"])

    def _ensure_role(self) -> None:
        if self._role_created:
            return
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        iam = self.client("iam")
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(RoleName="local-lambda", AssumeRolePolicyDocument=json.dumps(trust))
        self._role_created = True

    def _deliver_any(self, name: str, event: Any) -> None:
        self.deliver(name, event)  # looked up at call time: ``deliver`` may be replaced

    def _send_message(self, queue: str, body: str, attributes: dict[str, str]) -> None:
        """SendMessage to a queue given by URL or ARN (dead-letter queues, on-failure destinations)."""
        sqs = self.client("sqs")
        if queue.startswith("arn:"):
            *_, account, name = queue.split(":")
            queue = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        sqs.send_message(
            QueueUrl=queue,
            MessageBody=body,
            MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
        )

    def _install_dispatch_cache(self) -> None:
        """moto's server finds the backend of every request by host, listing its modules from
        the disk each time, under one lock: a host always maps to the same backend, so the
        answer is kept (a few milliseconds off every AWS call)."""
        original = require(BACKEND_FOR_HOST)
        known: dict[str | None, Any] = {}

        def get_backend_for_host(dispatcher: Any, host: str | None) -> Any:
            if host not in known:
                known[host] = original(dispatcher, host)
            return known[host]

        self._patches.replace(BACKEND_FOR_HOST, get_backend_for_host)

    def _install_lambda(self) -> None:
        functions = self.functions
        original = require(LAMBDA_INVOKE)
        local = self

        def invoke(  # noqa: PLR0917 - moto's signature
            backend: Any,
            function_name: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: Any,
        ) -> bytes | None:
            if function_name not in functions:
                echoed: bytes | None = original(
                    backend, function_name, qualifier, body, headers, response_headers
                )
                return echoed
            invocation_type = headers.get("X-Amz-Invocation-Type", "RequestResponse")
            if invocation_type == "DryRun":
                return b""
            if invocation_type == "Event":
                event = json.loads(body) if body else {}
                local.deliver(function_name_from(function_name), event)
                return b""
            outcome = functions.invoke_json(function_name, body)
            response_headers["x-amz-executed-version"] = "$LATEST"
            if outcome.failed:
                response_headers["x-amz-function-error"] = "Unhandled"
            if headers.get("X-Amz-Log-Type") == "Tail":
                log = f"REPORT RequestId: {outcome.request_id}\tDuration: {outcome.duration_ms:.2f} ms\n"
                response_headers["x-amz-log-result"] = base64.b64encode(log.encode()).decode()
            return outcome.payload_bytes()

        self._patches.replace(LAMBDA_INVOKE, invoke)

    # ---- EventBridge and SNS ----------------------------------------------------------

    def _target_input(self, target: dict[str, Any], event: dict[str, Any]) -> Any:
        if "Input" in target:
            return json.loads(target["Input"])
        if "InputPath" in target:
            return _json_path(target["InputPath"], event)
        transformer = target.get("InputTransformer")
        if transformer:
            return require(EVENT_TEMPLATE).parse(
                input_template=transformer.get("InputTemplate"),
                input_paths_map=transformer.get("InputPathsMap", {}),
                event=event,
            )
        return {k: v for k, v in event.items() if k != "ingestion-time"}

    def _install_events(self) -> None:
        original = require(RULE_SEND)
        local = self

        def send_to_targets(rule: Any, original_event: Any, transform_input: bool = True) -> None:
            enabled = getattr(rule, "state", "ENABLED") == "ENABLED"
            if not enabled or not rule.event_pattern.matches_event(original_event):
                return
            ours = [t for t in rule.targets if t["Arn"].split(":")[2] in ("lambda", "states")]
            if ours:
                event = copy.deepcopy(original_event)
                if "time" in event:
                    event["time"] = _iso(event["time"])
                for target in ours:
                    payload = local._target_input(target, event) if transform_input else event
                    arn = target["Arn"]
                    if arn.split(":")[2] == "lambda":
                        local.deliveries.submit(arn, payload, source="events", handoff=_handoff(rule, target))
                    else:
                        Interpreter.backend_for_arn(arn).start_execution(arn, None, json.dumps(payload))
            rest = [t for t in rule.targets if t not in ours]
            if rest:
                view = copy.copy(rule)
                view.targets = rest
                original(view, original_event, transform_input)

        self._patches.replace(RULE_SEND, send_to_targets)

    def _install_sns(self) -> None:
        original = require(SNS_PUBLISH)
        local = self

        def publish(  # noqa: PLR0917 - moto's signature
            subscription: Any,
            message: str,
            message_id: str,
            subject: str | None = None,
            message_attributes: dict[str, Any] | None = None,
            group_id: str | None = None,
            deduplication_id: str | None = None,
            message_structure: str | None = None,
        ) -> None:
            if subscription.protocol != "lambda" or subscription.endpoint not in local.functions:
                original(
                    subscription,
                    message,
                    message_id,
                    subject=subject,
                    message_attributes=message_attributes,
                    group_id=group_id,
                    deduplication_id=deduplication_id,
                    message_structure=message_structure,
                )
                return
            matcher = subscription._filter_policy_matcher
            if matcher is not None and not matcher.matches(message_attributes, message):
                return
            if message_structure == "json":
                message = subscription._parse_message_structure(message, "lambda")
            attributes = {
                key: {"Type": value["Type"], "Value": value["Value"]}
                for key, value in (message_attributes or {}).items()
            }
            event = {
                "Records": [
                    {
                        "EventSource": "aws:sns",
                        "EventVersion": "1.0",
                        "EventSubscriptionArn": subscription.arn,
                        "Sns": {
                            "Type": "Notification",
                            "MessageId": message_id,
                            "TopicArn": subscription.topic.arn,
                            "Subject": subject,
                            "Message": message,
                            "Timestamp": _sns_timestamp(),
                            "SignatureVersion": "1",
                            "Signature": "LOCAL",
                            "SigningCertUrl": "",
                            "UnsubscribeUrl": "",
                            "MessageAttributes": attributes,
                        },
                    }
                ]
            }
            local.deliveries.submit(subscription.endpoint, event, source="sns")

        self._patches.replace(SNS_PUBLISH, publish)

    def _install_sqs(self) -> None:
        """ReceiveMessage checks each message it hands out against the queue's retention period,
        which moto reads through GetQueueAttributes: every attribute computed, three of them by
        walking every message of the queue: under a backlog each receive cost the queue's length
        times the batch. The same rule, reading the one attribute it needs."""
        unix_time = require(SQS_UNIX_TIME)

        def is_message_valid_based_on_retention_period(backend: Any, queue_name: str, message: Any) -> bool:
            retention_s = int(backend.get_queue(queue_name).message_retention_period)
            return bool(retention_s + message.sent_timestamp / 1000 > unix_time())

        self._patches.replace(SQS_RETENTION, is_message_valid_based_on_retention_period)

    def _install_method_names(self) -> None:
        """moto finds a request's handler among its response class's functions, listed anew with
        ``inspect.getmembers`` on every request (4% of the local cloud's CPU in the concurrent
        checkout bench); a class's functions do not change while it serves, so each is listed once."""
        list_them = require(METHOD_NAMES)
        known: dict[type, list[str]] = {}

        def method_names_from_class(clazz: type) -> list[str]:
            names = known.get(clazz)
            if names is None:
                names = known.setdefault(clazz, list_them(clazz))
            return names

        self._patches.replace(METHOD_NAMES, method_names_from_class)

    # ---- executions -------------------------------------------------------------------

    def wait_for_execution(self, execution_arn: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait (real time) until the execution is no longer RUNNING; returns DescribeExecution."""
        backend = Interpreter.backend_for_arn(execution_arn)
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while backend.describe_execution(execution_arn).status == "RUNNING":
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {execution_arn} still RUNNING after {timeout} s")
            time.sleep(delay)
            delay = min(delay * 2, 0.01)
        sfn = self.client("stepfunctions")
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        described.pop("ResponseMetadata", None)
        return described

    def start_execution(self, state_machine_arn: str, name: str | None = None, input: Any = None) -> str:
        """StartExecution (returns at once, as on AWS); ``input`` is a JSON value."""
        params: dict[str, Any] = {"stateMachineArn": state_machine_arn, "input": json.dumps(input or {})}
        params["name"] = name or str(uuid.uuid4())
        return str(self.client("stepfunctions").start_execution(**params)["executionArn"])

    def run_execution(
        self,
        state_machine_arn: str,
        name: str | None = None,
        input: Any = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        """Start an execution and wait for it to end; returns DescribeExecution."""
        return self.wait_for_execution(self.start_execution(state_machine_arn, name, input), timeout)

    def create_state_machine(
        self, name: str, definition: str | dict[str, Any], *, type: str = "STANDARD"
    ) -> str:
        """CreateStateMachine with a local role; returns the ARN."""
        body = definition if isinstance(definition, str) else json.dumps(definition)
        response = self.client("stepfunctions").create_state_machine(
            name=name, definition=body, roleArn=_ROLE.format(account=self.account_id), type=type
        )
        return str(response["stateMachineArn"])
