"""Step Functions: start executions and resume tasks that wait for a callback."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from botocore.client import BaseClient

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


class StepFunctionsStarter:
    """Implements ``workflows.checkout.ports.ExecutionStarter``: the execution's name is the business id.

    Starting again with the same name and input is what Step Functions makes idempotent (the same
    execution while it runs; ``ExecutionAlreadyExists`` once it has ended: also fine here).
    """

    def __init__(self, client: BaseClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, name: str, payload: dict[str, Any]) -> None:
        try:
            self._client.start_execution(stateMachineArn=self._arn, name=name, input=json.dumps(payload))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ExecutionAlreadyExists":
                return
            if code in {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}:
                raise TransientError(f"Step Functions is unavailable: {code}") from exc
            raise
        except (ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"Step Functions could not be reached: {exc}") from exc


class StepFunctionsSyncExecutions:
    """Implements ``workflows.fees.service.FeeCalculationMachine``: StartSyncExecution (Express)."""

    def __init__(self, client: BaseClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def run(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
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
        return result
