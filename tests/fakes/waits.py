"""Hand-written fakes of the waiting ports (same contract as the DynamoDB adapter)."""

from __future__ import annotations

import threading
from typing import Any

from workflows.shared.waits import OutsideEvent


class InMemoryWaitingTasks:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tokens: dict[str, str] = {}
        self.events: dict[str, OutsideEvent] = {}

    def park_token(self, correlation_id: str, task_token: str, expires_at: int) -> OutsideEvent | None:
        with self._lock:
            early = self.events.pop(correlation_id, None)
            if early is None:
                self.tokens[correlation_id] = task_token
            return early

    def take_token_or_park_event(self, event: OutsideEvent, expires_at: int) -> str | None:
        with self._lock:
            token = self.tokens.pop(event.correlation_id, None)
            if token is not None:
                return token
            parked = self.events.get(event.correlation_id)
            if parked is None or parked.occurred_at <= event.occurred_at:
                self.events[event.correlation_id] = event
            return None


class RecordingResponder:
    def __init__(self, *, gone: set[str] | None = None) -> None:
        self.resumed: list[tuple[str, dict[str, Any]]] = []
        self.gone = gone or set()

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        if task_token in self.gone:
            return False
        self.resumed.append((task_token, output))
        return True
