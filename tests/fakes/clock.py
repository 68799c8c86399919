"""A clock that moves only when told: seconds since the epoch, callable like ``time.time``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def iso_in(delta: timedelta) -> str:
    """RFC 3339 UTC text for now + ``delta`` (windows relative to the real clock, for API tests)."""
    return (datetime.now(UTC) + delta).isoformat().replace("+00:00", "Z")
