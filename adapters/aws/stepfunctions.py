"""Step Functions: start executions and resume tasks that wait for a callback."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from workflows.fees.contracts import FeeCalculationOutput
from workflows.fees.service import QuoteFailure, QuoteRejection
from workflows.shared.caught import CaughtError
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.client import BaseClient

    from workflows.fees.commands import QuoteRequest
    from workflows.fees.service import FeeCalculationResult
    from workflows.shared.caught import CaughtErrorDoc

#: the task is gone (timed out, execution ended, token already used): nothing to resume
_GONE = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}


class StepFunctionsResponder:
    """Implements ``workflows.shared.waits.TaskResponder``."""

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        try:
            self._client.send_task_success(taskToken=task_token, output=json.dumps(output))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _GONE:
                return False
            if code in {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}:
                raise TransientError(f"Step Functions is unavailable: {code}") from exc
            raise
        except (ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"Step Functions could not be reached: {exc}") from exc
        return True


class MissingStateMachine(RuntimeError):
    """A function asked to start executions of a state machine its environment does not name."""


class StepFunctionsStarter:
    """Starts executions of one state machine; the execution's name is the business id.

    Implements ``workflows.checkout.ports.ExecutionStarter`` and ``workflows.payouts.ports.
    PayoutStarter`` (:meth:`start`) and ``workflows.onboarding.ports.ExecutionStarter`` (calling it).
    Starting again with the same name and input is what Step Functions makes idempotent (the same
    execution while it runs; ``ExecutionAlreadyExists`` once it has ended: also fine here).

    The client is asked for on the first start, and the ARN checked then: a function that builds
    the workflow but never starts an execution (its steps) needs neither.
    """

    def __init__(
        self, client: Callable[[], BaseClient], state_machine_arn: str | None, *, setting: str
    ) -> None:
        self._client = client
        self._arn = state_machine_arn
        self._setting = setting

    def start(self, name: str, payload: dict[str, Any]) -> bool:
        """True when started now, False when an execution of that name exists."""
        if not self._arn:
            raise MissingStateMachine(f"{self._setting} is not set: this function starts no executions")
        try:
            self._client().start_execution(stateMachineArn=self._arn, name=name, input=json.dumps(payload))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ExecutionAlreadyExists":
                return False
            if code in {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}:
                raise TransientError(f"Step Functions is unavailable: {code}") from exc
            raise
        except (ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"Step Functions could not be reached: {exc}") from exc
        return True

    def __call__(self, name: str, execution_input: dict[str, Any]) -> None:
        self.start(name, execution_input)


class StepFunctionsSyncExecutions:
    """Implements ``workflows.fees.service.FeeCalculationMachine``: StartSyncExecution (Express)."""

    def __init__(self, client: BaseClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def run(self, name: str, request: QuoteRequest, *, held_by: str | None) -> FeeCalculationResult:
        """Run it; the response (``status``, ``output``, ``error``, ``cause``) read here, at the edge."""
        payload = request.model_dump(mode="json") | {"held_by": held_by}
        try:
            result: dict[str, Any] = self._client.start_sync_execution(
                stateMachineArn=self._arn, name=name, input=json.dumps(payload)
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}:
                raise TransientError(f"Step Functions is unavailable: {code}") from exc
            raise
        except (ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"Step Functions could not be reached: {exc}") from exc
        return fee_calculation_result(result)


def fee_calculation_result(response: dict[str, Any]) -> FeeCalculationResult:
    """A StartSyncExecution response of fee_calculation → the quote, the rejection (SUCCEEDED with a
    rejected outcome) or the failure (FAILED, TIMED_OUT) it ended with."""
    status = response.get("status")
    if status == "SUCCEEDED":
        output = FeeCalculationOutput.model_validate_json(str(response["output"]))
        if output.outcome == "rejected":
            error = output.error
            return QuoteRejection(error.name if error else "", error.message if error else "")
        return output.quote()
    return QuoteFailure(
        error=str(response.get("error") or ""),
        message=caught_error(str(response.get("error") or ""), response.get("cause")).message,
        timed_out=status == "TIMED_OUT",
    )


def caught_error(name: str, cause: object) -> CaughtError:
    """What a ``Catch`` caught (``{Error, Cause}``) → the domain's :class:`CaughtError`.

    The Cause of a Lambda step is the function's error document (its ``errorMessage`` is the
    handler's own message; its stack trace is never kept); a nested execution that failed
    (``States.TaskFailed`` from ``startExecution.sync``) carries the child's description, whose
    own ``Error``/``Cause`` name the step that failed there; anything else is a sentence.
    """
    document: Any = None
    if isinstance(cause, str):
        try:
            document = json.loads(cause)
        except ValueError:
            return CaughtError(name=name, message=cause)
    if not isinstance(document, dict):
        return CaughtError(name=name, message=cause if isinstance(cause, str) else "")
    nested = document.get("Error")
    if name in ("States.TaskFailed", "") and isinstance(nested, str) and nested:
        return caught_error(nested, document.get("Cause"))
    message = document.get("errorMessage")
    return CaughtError(name=name, message=str(message) if message is not None else "")


def caught(doc: CaughtErrorDoc | None) -> CaughtError | None:
    """The step contracts' ``error`` (as the Catch wrote it) → the domain's :class:`CaughtError`."""
    return None if doc is None else caught_error(doc.Error, doc.Cause)
