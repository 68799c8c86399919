"""The Clock port: code that cares about time takes one, so tests move time instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """RFC 3339 UTC text with a ``Z``, as the API speaks time."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
