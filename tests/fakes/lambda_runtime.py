"""What a handler test needs of the Lambda runtime: a context Powertools can read, and a service
stand-in whose answers are scripted."""

from __future__ import annotations

from typing import Any


class Context:
    """What Powertools reads of the Lambda context."""

    function_name = "test-step"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-step"
    memory_limit_in_mb = 256
    aws_request_id = "req-1"
    log_group_name = "/aws/lambda/test-step"
    log_stream_name = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


class Answers:
    """A service whose every method answers the next of ``results`` and records its call as
    ``(method, args, kwargs)``."""

    def __init__(self, *results: Any) -> None:
        self.results = list(results)
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def method(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return self.results.pop(0)

        return method
