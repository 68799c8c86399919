"""The DynamoDB waits table honours the same contract as the in-memory fake, on the local cloud."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from adapters.dynamo.connection import DynamoConnection
from adapters.dynamo.waits import DynamoWaitingTasks
from tests.fakes.waits import InMemoryWaitingTasks
from workflows.shared.waits import OutsideEvent

if TYPE_CHECKING:
    from local.runtime import LocalCloud


@pytest.fixture(params=["fake", "dynamodb"])
def waiting(request: pytest.FixtureRequest) -> DynamoWaitingTasks | InMemoryWaitingTasks:
    if request.param == "fake":
        return InMemoryWaitingTasks()
    cloud: LocalCloud = request.getfixturevalue("cloud")
    assert cloud.aws is not None and cloud.provisioned is not None
    connection = DynamoConnection(region=cloud.aws.region, endpoint_url=cloud.aws.endpoint_url)
    return DynamoWaitingTasks(connection, cloud.provisioned.names[("table", "task-tokens")])


def event(key: str, event_id: str = "evt_1", at: int = 100) -> OutsideEvent:
    return OutsideEvent(event_id, "payment_intent.succeeded", key, at, {"status": "succeeded"})


def test_given_a_parked_token_when_the_event_comes_then_the_token_is_taken_once(waiting, unique: str) -> None:
    key = f"payment_intent:pi_{unique}"
    assert waiting.park_token(key, "token-1", 10**10) is None
    assert waiting.take_token_or_park_event(event(key), 10**10) == "token-1"
    # a second delivery finds no token: the event is parked instead
    assert waiting.take_token_or_park_event(event(key, "evt_2", 101), 10**10) is None


def test_given_an_early_event_when_a_token_is_parked_then_the_event_is_returned_and_consumed(
    waiting, unique: str
) -> None:
    key = f"account:acct_{unique}"
    assert waiting.take_token_or_park_event(event(key), 10**10) is None
    early = waiting.park_token(key, "token-1", 10**10)
    assert early is not None and early.event_id == "evt_1" and early.summary == {"status": "succeeded"}
    # the event is gone now: the next wait parks its token
    assert waiting.park_token(key, "token-2", 10**10) is None


def test_given_a_newer_parked_event_when_an_older_one_arrives_then_the_newer_one_stays(
    waiting, unique: str
) -> None:
    key = f"account:acct_{unique}"
    waiting.take_token_or_park_event(event(key, "evt_new", 200), 10**10)
    waiting.take_token_or_park_event(event(key, "evt_old", 100), 10**10)
    early = waiting.park_token(key, "token", 10**10)
    assert early is not None and early.event_id == "evt_new"


def test_given_many_deliveries_racing_for_one_token_then_exactly_one_gets_it(waiting, unique: str) -> None:
    key = f"payment_intent:pi_{unique}"
    waiting.park_token(key, "the-token", 10**10)
    results: list[str | None] = []
    lock = threading.Lock()

    def deliver(i: int) -> None:
        got = waiting.take_token_or_park_event(event(key, f"evt_{i}", 100 + i), 10**10)
        with lock:
            results.append(got)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("the-token") == 1
