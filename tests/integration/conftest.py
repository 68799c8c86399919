"""Fixtures the provider stand-in tests share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from local.providers.stripe import StripeStandIn
from tests.fakes.clock import FakeClock

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def standin(clock: FakeClock, events: list[dict[str, Any]]) -> Iterator[StripeStandIn]:
    server = StripeStandIn(clock=clock, event_sinks=[events.append])
    server.start()
    yield server
    server.stop()
