"""The local cloud's in-process functions: one invocation's request kept from another's, and the
invocation records read from a mark.

Powertools' event handler keeps the request being resolved in a class attribute
(``BaseRouter.current_event``): one per process. On Lambda an execution environment runs one
invocation at a time, so that is safe; locally every function shares one process, so two API
functions running at once in two threads would read each other's request (its caller, its body).
The registry gives every function built on a resolver one lock.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from local.cloud.functions import EVENT_HANDLER_INSTANCE, FunctionRegistry, routes_requests
from tests.fixtures.proxy_events import proxy_event

#: how long the first request waits, inside its route, for the second one to be resolved
OVERLAP_S = 0.5


@pytest.fixture
def api_modules() -> Iterator[tuple[types.ModuleType, types.ModuleType, threading.Event, threading.Event]]:
    """Two handler modules, each with its own resolver; the first one's route waits for the
    second request to be resolved (or for ``OVERLAP_S``) before it reads its own request."""
    in_first, second_resolved = threading.Event(), threading.Event()
    first, second = types.ModuleType("local_test_api_first"), types.ModuleType("local_test_api_second")
    first_app, second_app = APIGatewayRestResolver(), APIGatewayRestResolver()

    @first_app.get("/first")
    def read_first() -> dict[str, str]:
        in_first.set()
        second_resolved.wait(OVERLAP_S)
        return {"path": first_app.current_event.path}

    @second_app.get("/second")
    def read_second() -> dict[str, str]:
        second_resolved.set()
        return {"path": second_app.current_event.path}

    first.app, first.handler = first_app, first_app.resolve  # type: ignore[attr-defined]
    second.app, second.handler = second_app, second_app.resolve  # type: ignore[attr-defined]
    sys.modules[first.__name__], sys.modules[second.__name__] = first, second
    yield first, second, in_first, second_resolved
    del sys.modules[first.__name__], sys.modules[second.__name__]


def test_given_two_api_functions_at_once_then_each_reads_its_own_request(api_modules: Any) -> None:
    first, second, in_first, _ = api_modules
    registry = FunctionRegistry()
    registry.register("first", f"{first.__name__}.handler")
    registry.register("second", f"{second.__name__}.handler")
    answers: dict[str, Any] = {}

    def call(name: str, path: str) -> None:
        answers[name] = registry.invoke(name, proxy_event(path))

    thread = threading.Thread(target=call, args=("first", "/first"))
    thread.start()
    assert in_first.wait(5)
    call("second", "/second")  # while the first one is inside its route
    thread.join(5)

    assert answers["first"].error_type is None, answers["first"].error_message
    assert answers["first"].payload["body"] == '{"path":"/first"}'
    assert answers["second"].payload["body"] == '{"path":"/second"}'


def test_given_modules_then_those_with_a_resolver_share_the_event_handler_instance(api_modules: Any) -> None:
    first, _, _, _ = api_modules
    assert routes_requests(first)
    assert not routes_requests(types.ModuleType("no_resolver_here"))
    assert not routes_requests(None)
    registry = FunctionRegistry()
    registry.register("first", f"{first.__name__}.handler")
    registry.invoke("first", proxy_event("/first"))
    assert EVENT_HANDLER_INSTANCE in registry._instances


def test_given_more_invocations_than_are_kept_then_since_a_mark_is_what_came_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("local.cloud.functions.MAX_RECORDS", 3)
    registry = FunctionRegistry()
    registry.register("echo", lambda event, context: event)
    registry.register("other", lambda event, context: event)
    for n in range(5):
        registry.invoke("echo", {"n": n})
    mark = registry.mark()
    registry.invoke("echo", {"n": 5})
    registry.invoke("other", {})
    assert len(registry.invocations) == 3
    assert [r.function_name for r in registry.since(mark)] == ["echo", "other"]
    assert len(registry.since(mark, "echo")) == 1
    assert registry.since(registry.mark()) == []
    assert len(registry.since(0)) == 3  # the dropped ones are not there
