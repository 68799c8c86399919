"""The Clock port: code that cares about time takes one, so tests move time instead of sleeping.

:class:`SystemClock` is the process's clock. Deployed it reads the system's time. A runtime that
hosts the handlers in its own time (the local cloud, whose Step Functions interpreter runs on a
virtual or scaled clock) installs that time once with :func:`install_time_source`, so handlers and
the interpreter read one clock: moving the local cloud's clock moves what every handler sees.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

#: seconds since the epoch, as the hosting runtime tells time; None = the system's time
_time_source: Callable[[], float] | None = None


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


def install_time_source(source: Callable[[], float] | None) -> Callable[[], float] | None:
    """Make every :class:`SystemClock` of this process read ``source`` (seconds since the epoch);
    ``None`` puts back the system's time. Returns the source it replaced."""
    global _time_source  # the one process-wide time source, by design
    previous, _time_source = _time_source, source
    return previous


def current_time_source() -> Callable[[], float] | None:
    """The installed time source, or None when the process reads the system's time."""
    return _time_source


class SystemClock:
    """The process's clock: the system's time unless a hosting runtime installed its own."""

    def now(self) -> datetime:
        source = _time_source
        if source is None:
            return datetime.now(UTC)
        return datetime.fromtimestamp(source(), UTC)

    def timestamp(self) -> int:
        """Whole seconds since the epoch, on this clock (what task-token expiries are kept in)."""
        return int(self.now().timestamp())
