"""Clocks for the local cloud: how long Wait states, retry back-offs and timeouts really take.

Two implementations of one small protocol:

* :class:`VirtualClock` (tests): nothing takes real time. A ``sleep`` (a Wait state, a retry
  back-off) returns at once and is recorded in :attr:`VirtualClock.waits`. A wait that can be
  cut short by something else (a task token's ``SendTaskSuccess``, a task finishing before its
  ``TimeoutSeconds``) blocks until that something happens or until :meth:`VirtualClock.advance`
  moves the clock past its deadline.
* :class:`ScaledClock` (``make dev``): real time multiplied by ``factor`` (60 = a minute per
  second); ``advance`` still jumps ahead, e.g. to expire a payment window from the console.

By default a sleep does not move the shared time seen by other waiters: a one-day Wait in one
execution must not time out another execution's task token. ``VirtualClock(sleeps_advance=True)``
makes sleeps move everyone's time instead.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """What the local cloud needs from a clock."""

    def now(self) -> float:
        """Seconds since the epoch, in this clock's time."""
        ...

    def sleep(self, seconds: float, what: str = "sleep") -> None:
        """Let ``seconds`` pass for the caller."""
        ...

    def advance(self, seconds: float) -> None:
        """Move time forward for everyone, waking waiters whose deadline has passed."""
        ...

    def wait(self, event: threading.Event, timeout: float | None, what: str = "wait") -> bool:
        """Block until ``event`` is set (True) or ``timeout`` seconds of clock time pass (False)."""
        ...

    def new_event(self) -> threading.Event:
        """A :class:`threading.Event` whose timed waits follow this clock."""
        ...


class _ConditionClock:
    """Shared machinery: each timed waiter sleeps on its own condition variable, woken when its
    event is set or when the clock jumps (an event set wakes its own waiters only, so hundreds
    of parked executions do not all wake up for every task that finishes)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()  # guards the offset and the record of waits
        self.waits: list[tuple[str, float]] = []
        self._offset = 0.0
        self._waiters: list[threading.Condition] = []
        self._waiters_lock = threading.Lock()

    # subclasses define these two
    def now(self) -> float:
        raise NotImplementedError

    def _real_timeout(self, clock_seconds: float) -> float | None:
        raise NotImplementedError

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._cond:
            self._offset += seconds
            self.waits.append(("advance", float(seconds)))
        self._wake_everyone()

    def new_event(self) -> threading.Event:
        return _ClockEvent(self)

    def _wake_everyone(self) -> None:
        """Time jumped: every timed waiter looks at its deadline again."""
        with self._waiters_lock:
            waiters = list(self._waiters)
        for wake in waiters:
            with wake:
                wake.notify_all()

    def wait(self, event: threading.Event, timeout: float | None, what: str = "wait") -> bool:
        """Block until ``event`` is set (True) or ``timeout`` clock seconds pass (False, recorded)."""
        if self._wait(event, timeout):
            return True
        with self._cond:
            self.waits.append((what, float(timeout or 0.0)))
        return False

    def _wait(self, event: threading.Event, timeout: float | None) -> bool:
        if timeout is None:
            return threading.Event.wait(event)
        deadline = self.now() + max(timeout, 0.0)
        clock_event = isinstance(event, _ClockEvent)
        wake = event.wake if isinstance(event, _ClockEvent) else threading.Condition()
        with self._waiters_lock:
            self._waiters.append(wake)
        try:
            with wake:
                while not threading.Event.is_set(event):
                    remaining = deadline - self.now()
                    if remaining <= 0:
                        return False
                    real = self._real_timeout(remaining)
                    if not clock_event:
                        # a plain Event set elsewhere does not notify us: look at it now and then
                        real = 0.05 if real is None else min(real, 0.05)
                    wake.wait(real)
        finally:
            with self._waiters_lock:
                self._waiters.remove(wake)
        return True


class _ClockEvent(threading.Event):
    """An Event that wakes its clock waiters when set."""

    def __init__(self, clock: _ConditionClock) -> None:
        super().__init__()
        self._clock = clock
        self.wake = threading.Condition()

    def set(self) -> None:
        super().set()
        with self.wake:
            self.wake.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        return self._clock.wait(self, timeout)


class VirtualClock(_ConditionClock):
    """Test time: moves only when something waits or a test calls :meth:`advance`."""

    def __init__(self, start: float | None = None, *, sleeps_advance: bool = False) -> None:
        super().__init__()
        self._start = time.time() if start is None else start
        self._sleeps_advance = sleeps_advance

    def now(self) -> float:
        return self._start + self._offset

    def sleep(self, seconds: float, what: str = "sleep") -> None:
        seconds = max(float(seconds), 0.0)
        with self._cond:
            self.waits.append((what, seconds))
            jumped = bool(self._sleeps_advance and seconds)
            if jumped:
                self._offset += seconds
        if jumped:
            self._wake_everyone()

    def _real_timeout(self, clock_seconds: float) -> float | None:
        return None  # only advance() or the event ends the wait

    def total(self, what: str | None = None) -> float:
        """Sum of recorded waits (optionally only those named ``what``); advances excluded."""
        return sum(s for w, s in self.waits if w != "advance" and (what is None or w == what))


class ScaledClock(_ConditionClock):
    """Real time times ``factor`` (1.0 = real speed); :meth:`advance` jumps ahead."""

    def __init__(self, factor: float = 1.0) -> None:
        if factor <= 0:
            raise ValueError("factor must be positive")
        super().__init__()
        self.factor = factor
        self._real0 = time.time()
        self._mono0 = time.monotonic()

    def now(self) -> float:
        return self._real0 + (time.monotonic() - self._mono0) * self.factor + self._offset

    def sleep(self, seconds: float, what: str = "sleep") -> None:
        seconds = max(float(seconds), 0.0)
        with self._cond:
            self.waits.append((what, seconds))
        self._wait(self.new_event(), seconds)

    def _real_timeout(self, clock_seconds: float) -> float | None:
        return clock_seconds / self.factor
