"""Lambda functions run in-process: the project's handlers called with a realistic context.

Environment rule: every function in this process shares ``os.environ``. Setting a function's
environment around each invocation would race between threads, so :meth:`FunctionRegistry.register`
merges each function's environment into one process environment instead, and a *conflicting*
value for a key another function already set raises :class:`EnvironmentConflictError`. Values that
must differ per function (a Powertools service name, say) belong in code, not in the environment.
The previous values are put back by :meth:`FunctionRegistry.close`.

Instance rule: like a Lambda execution environment, a handler module serves one invocation at a
time (one lock per module), and every module holding a Powertools event handler shares one lock,
as the library keeps the request it resolves in a process-wide class attribute
(:data:`EVENT_HANDLER_INSTANCE`).
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

Handler = Callable[[Any, Any], Any]

#: how many invocation records are kept (oldest dropped first)
MAX_RECORDS = 10_000


#: the lock of every function whose module holds a Powertools event handler (a REST or WebSocket
#: resolver): the library keeps the request being resolved in a class attribute
#: (``BaseRouter.current_event``, one per process), which on Lambda is safe (an execution
#: environment runs one invocation at a time) but here, where every function shares one process,
#: would let two API functions at once read each other's request: its caller, body and headers
EVENT_HANDLER_INSTANCE = "powertools-event-handler"


def routes_requests(module: ModuleType | None) -> bool:
    """Whether ``module`` holds a Powertools event handler resolver (a router of requests)."""
    api_gateway = sys.modules.get("aws_lambda_powertools.event_handler.api_gateway")
    if module is None or api_gateway is None:
        return False
    return any(isinstance(value, api_gateway.BaseRouter) for value in vars(module).values())


class EnvironmentConflictError(ValueError):
    """Two functions want different values for the same environment variable."""


class UnknownFunctionError(KeyError):
    """No function with that name or ARN is registered."""


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str | Handler
    timeout_s: int
    memory_mb: int
    environment: Mapping[str, str]
    arn: str


class LambdaContext:
    """The context object the Python runtime passes to a handler (what Powertools reads)."""

    def __init__(self, spec: FunctionSpec, request_id: str, deadline_monotonic: float) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{request_id.replace('-', '')}"
        self.identity: Any = None
        self.client_context: Any = None
        self.tenant_id: str | None = None
        self._deadline = deadline_monotonic

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


@dataclass(frozen=True)
class InvocationResult:
    """The outcome of one invocation, shaped like what the Lambda service returns."""

    function_name: str
    request_id: str
    payload: Any
    duration_ms: float
    cold_start: bool
    error_type: str | None = None
    error_message: str | None = None
    stack_trace: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    def error_document(self) -> dict[str, Any]:
        """The body the Lambda service returns for an unhandled error."""
        return {
            "errorMessage": self.error_message or "",
            "errorType": self.error_type or "Exception",
            "requestId": self.request_id,
            "stackTrace": self.stack_trace,
        }

    def payload_bytes(self) -> bytes:
        """The response body: the handler's JSON result, or the error document."""
        body = self.error_document() if self.failed else self.payload
        return json.dumps(body, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class InvocationRecord:
    """A line in :attr:`FunctionRegistry.invocations` (for measurements and the console)."""

    function_name: str
    request_id: str
    started_at: float
    duration_ms: float
    cold_start: bool
    error_type: str | None


def _runtime_default(value: object) -> Any:
    # The Python runtime's marshaller turns Decimal into a number.
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def function_name_from(name_or_arn: str) -> str:
    """``name``, ``name:qualifier``, ``123456789012:function:name`` or a full ARN → ``name``."""
    if ":function:" in name_or_arn:
        name_or_arn = name_or_arn.split(":function:", 1)[1]
    return name_or_arn.split(":", 1)[0]


class FunctionRegistry:
    """Functions by name; handlers imported lazily on first invocation ("cold start")."""

    def __init__(self, *, region: str = "us-east-1", account_id: str = "123456789012") -> None:
        #: called after every invocation (the runtime uses it to drop what a process-wide
        #: object accumulated, as a new Lambda execution environment would not carry it over)
        self.after_invoke: list[Callable[[InvocationResult], None]] = []
        self.region = region
        self.account_id = account_id
        #: the latest invocations (at most ``MAX_RECORDS``); ``mark()`` and ``since(mark)`` read
        #: what came after a moment, however many records were dropped since
        self.invocations: list[InvocationRecord] = []
        self._recorded = 0  # invocations ever recorded
        self._specs: dict[str, FunctionSpec] = {}
        self._loaded: dict[str, Handler] = {}
        self._lock = threading.Lock()
        #: one lock per handler module: like one Lambda execution environment, a module serves
        #: one invocation at a time; every module with a Powertools resolver shares one lock
        #: (:data:`EVENT_HANDLER_INSTANCE`)
        self._instances: dict[str, threading.RLock] = {}
        self._instance_keys: dict[str, str] = {}  # handler module -> its key in _instances
        self._environment: dict[str, tuple[str, str]] = {}  # key -> (value, function that set it)
        self._saved_environ: dict[str, str | None] = {}

    # ---- registration ---------------------------------------------------------------------

    def register(
        self,
        name: str,
        handler: str | Handler,
        *,
        timeout_s: int = 10,
        memory_mb: int = 256,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        env = dict(environment or {})
        with self._lock:
            for key, value in env.items():
                current = self._environment.get(key)
                if current is not None and current[0] != value:
                    raise EnvironmentConflictError(
                        f"function {name!r} sets {key}={value!r} but function {current[1]!r} set "
                        f"{key}={current[0]!r}; in-process functions share one environment"
                    )
            for key, value in env.items():
                if key not in self._saved_environ:
                    self._saved_environ[key] = os.environ.get(key)
                self._environment.setdefault(key, (value, name))
                os.environ[key] = value
            arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"
            self._specs[name] = FunctionSpec(name, handler, timeout_s, memory_mb, env, arn)
            self._loaded.pop(name, None)

    def __contains__(self, name_or_arn: object) -> bool:
        return isinstance(name_or_arn, str) and function_name_from(name_or_arn) in self._specs

    def spec(self, name_or_arn: str) -> FunctionSpec:
        try:
            return self._specs[function_name_from(name_or_arn)]
        except KeyError:
            raise UnknownFunctionError(name_or_arn) from None

    @property
    def names(self) -> list[str]:
        return sorted(self._specs)

    @property
    def environment(self) -> dict[str, str]:
        """The merged environment every registered function sees."""
        return {key: value for key, (value, _) in self._environment.items()}

    def close(self) -> None:
        """Put back the process environment as it was before any registration."""
        with self._lock:
            for key, value in self._saved_environ.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            self._saved_environ.clear()
            self._environment.clear()

    # ---- invocation -----------------------------------------------------------------------

    def _handler(self, spec: FunctionSpec) -> tuple[Handler, bool]:
        loaded = self._loaded.get(spec.name)
        if loaded is not None:
            return loaded, False
        if callable(spec.handler):
            handler: Handler = spec.handler
        else:
            module_name, _, attribute = spec.handler.rpartition(".")
            handler = getattr(importlib.import_module(module_name), attribute)
        self._loaded[spec.name] = handler
        return handler, True

    def _instance(self, spec: FunctionSpec) -> threading.RLock:
        module = spec.handler if isinstance(spec.handler, str) else spec.name
        module = module.rsplit(".", 1)[0]
        with self._lock:
            key = self._instance_keys.get(module)
            if key is None:  # the handler is loaded by now: its module's globals are there
                key = EVENT_HANDLER_INSTANCE if routes_requests(sys.modules.get(module)) else module
                self._instance_keys[module] = key
            return self._instances.setdefault(key, threading.RLock())

    def invoke(self, name: str, event: Any) -> InvocationResult:
        """Run the handler with ``event`` (a JSON value) and a fresh context; never raises for
        handler errors: they come back as ``error_type`` (the exception's class name)."""
        spec = self.spec(name)
        request_id = str(uuid.uuid4())
        started_at = time.time()
        t0 = time.perf_counter()
        cold = False
        try:
            handler, cold = self._handler(spec)
            context = LambdaContext(spec, request_id, time.monotonic() + spec.timeout_s)
            with self._instance(spec):
                result = handler(event, context)
            payload = json.loads(json.dumps(result, default=_runtime_default))
        except Exception as exc:  # noqa: BLE001 - the runtime reports any exception as the result
            outcome = InvocationResult(
                function_name=spec.name,
                request_id=request_id,
                payload=None,
                duration_ms=(time.perf_counter() - t0) * 1000,
                cold_start=cold,
                error_type=type(exc).__name__,
                error_message=str(exc),
                stack_trace=traceback.format_exception(exc)[1:],
            )
        else:
            outcome = InvocationResult(
                function_name=spec.name,
                request_id=request_id,
                payload=payload,
                duration_ms=(time.perf_counter() - t0) * 1000,
                cold_start=cold,
            )
        self._record(outcome, started_at)
        for hook in self.after_invoke:
            hook(outcome)
        return outcome

    def invoke_json(self, name: str, body: bytes | str | None) -> InvocationResult:
        """Invoke with a raw request body, as the Lambda API receives it."""
        if body is None or body in (b"", ""):
            event: Any = {}
        else:
            try:
                event = json.loads(body)
            except ValueError:
                event = body.decode("utf-8") if isinstance(body, bytes) else body
        return self.invoke(name, event)

    def _record(self, outcome: InvocationResult, started_at: float) -> None:
        record = InvocationRecord(
            function_name=outcome.function_name,
            request_id=outcome.request_id,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            cold_start=outcome.cold_start,
            error_type=outcome.error_type,
        )
        with self._lock:
            self.invocations.append(record)
            self._recorded += 1
            if len(self.invocations) > MAX_RECORDS:
                del self.invocations[: len(self.invocations) - MAX_RECORDS]

    def mark(self) -> int:
        """A moment in the invocation records, for :meth:`since`."""
        with self._lock:
            return self._recorded

    def since(self, mark: int, name: str | None = None) -> list[InvocationRecord]:
        """The invocations recorded after ``mark`` (of function ``name`` alone if given), oldest
        first; those dropped from the records (more than ``MAX_RECORDS`` ago) are not there."""
        with self._lock:
            first = self._recorded - len(self.invocations)  # the mark of the oldest record kept
            kept = self.invocations[max(0, mark - first) :]
        return [r for r in kept if name is None or r.function_name == name]

    def calls(self, name: str) -> list[InvocationRecord]:
        """The recorded invocations of one function, oldest first."""
        return self.since(0, name)
