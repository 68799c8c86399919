"""Clocks for the local cloud: how long Wait states, retry back-offs and timeouts really take.

Two implementations of one small protocol:

* :class:`VirtualClock` (tests): nothing takes real time. A ``sleep`` (a Wait state, a retry
  back-off) returns at once and is recorded in :attr:`VirtualClock.waits`. A wait that can be
  cut short by something else (a task token's ``SendTaskSuccess``, a task finishing before its
  ``TimeoutSeconds``) blocks until that something happens or until :meth:`VirtualClock.advance`
  moves the clock past its deadline. Its ``now`` still flows with real time (plus every
  advance), as the handlers that read it expect: two records made one after the other do not
  share a timestamp. ``VirtualClock(flows=False)`` stands still instead.
* :class:`ScaledClock` (``make dev``): real time multiplied by ``factor`` (60 = a minute per
  second); ``advance`` still jumps ahead, e.g. to expire a payment window from the console.

By default a sleep does not move the shared time seen by other waiters: a one-day Wait in one
execution must not time out another execution's task token. ``VirtualClock(sleeps_advance=True)``
makes sleeps move everyone's time instead.

:class:`ClockControl` is the clock as a person moves it (``/_local/clock``, the console's form),
like Stripe's test clocks: :meth:`ClockControl.advance` jumps the clock and answers once what
fell due has run (woken waits, the schedules due, the asynchronous deliveries and their
consumers) and the interpreter's threads are at rest again.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


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
        #: thread id -> (clock deadline or None, the event it waits for): who waits on this clock
        self._parked: dict[int, tuple[float | None, threading.Event]] = {}

    # subclasses define these two
    def now(self) -> float:
        raise NotImplementedError

    def _real_timeout(self, clock_seconds: float) -> float | None:
        raise NotImplementedError

    @property
    def advanced_s(self) -> float:
        """How far :meth:`advance` (and sleeps that advance) moved this clock ahead of its flow."""
        with self._cond:
            return self._offset

    def parked(self, thread_id: int) -> bool | None:
        """Whether the thread is at rest on this clock: None when it is not waiting on it; True
        when it waits for an event not set yet and a deadline not reached (or none); False when
        its wait is over (the event set or the deadline passed) and it is about to go on."""
        with self._waiters_lock:
            entry = self._parked.get(thread_id)
        if entry is None:
            return None
        deadline, event = entry
        if threading.Event.is_set(event):
            return False
        return deadline is None or deadline > self.now()

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
        me = threading.get_ident()
        if timeout is None:
            with self._waiters_lock:
                self._parked[me] = (None, event)
            try:
                return threading.Event.wait(event)
            finally:
                with self._waiters_lock:
                    self._parked.pop(me, None)
        deadline = self.now() + max(timeout, 0.0)
        clock_event = isinstance(event, _ClockEvent)
        wake = event.wake if isinstance(event, _ClockEvent) else threading.Condition()
        with self._waiters_lock:
            self._waiters.append(wake)
            self._parked[me] = (deadline, event)
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
                self._parked.pop(me, None)
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
    """Test time: waits and sleeps take none; it jumps when a test calls :meth:`advance`, and
    otherwise flows at real speed (unless ``flows=False``)."""

    def __init__(
        self, start: float | None = None, *, sleeps_advance: bool = False, flows: bool = True
    ) -> None:
        super().__init__()
        self._start = time.time() if start is None else start
        self._sleeps_advance = sleeps_advance
        self._mono0 = time.monotonic() if flows else None

    def now(self) -> float:
        flowed = 0.0 if self._mono0 is None else time.monotonic() - self._mono0
        return self._start + flowed + self._offset

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


#: the longest one advance may move the clock: a year and a day, longer than anything waits
MAX_ADVANCE_S = 366 * 86_400
#: how long an advance waits for what fell due to run before it answers anyway
SETTLE_TIMEOUT_S = 60.0


def check_advance(seconds: object) -> int:
    """``seconds`` as one advance accepts it (a whole number in 1..MAX_ADVANCE_S), else ValueError
    with the words a person needs."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ValueError("'seconds' must be a whole number of seconds, e.g. 3600")
    if not 1 <= seconds <= MAX_ADVANCE_S:
        raise ValueError(f"'seconds' must be between 1 and {MAX_ADVANCE_S} (366 days)")
    return seconds


@dataclass(frozen=True)
class Advanced:
    """What one :meth:`ClockControl.advance` did."""

    seconds: int
    #: what the schedule rules that came due started (executions, functions, queues)
    fired: tuple[str, ...]
    #: True when everything that fell due has run and come to rest before the answer
    settled: bool
    #: interpreter threads still busy when it stopped waiting (0 when settled)
    busy: int


def _no_threads() -> Iterable[threading.Thread]:
    return ()


def _nothing_to_settle(timeout_s: float) -> None:
    return None


def _no_schedules() -> list[str]:
    return []


class ClockControl:
    """The local cloud's time as a person moves it, as Stripe's test clocks move theirs.

    ``threads`` lists the Step Functions interpreter's threads; ``settle(timeout_s)`` waits for
    the asynchronous deliveries and the SQS consumers (raising TimeoutError when they do not come
    to rest); ``schedules()`` fires the schedule rules that are due and says what they started.
    A thread is at rest when it waits on the clock for something not yet due (a Wait state, a
    back-off, a task token, a task's timeout), is blocked in a :mod:`threading` wait (a join, an
    event set by another thread), or has ended.
    """

    def __init__(
        self,
        clock: VirtualClock | ScaledClock,
        *,
        mode: str = "virtual",
        time_factor: float = 1.0,
        threads: Callable[[], Iterable[threading.Thread]] = _no_threads,
        settle: Callable[[float], None] = _nothing_to_settle,
        schedules: Callable[[], list[str]] = _no_schedules,
    ) -> None:
        self.clock = clock
        self.mode = mode
        self.time_factor = time_factor
        self._threads = threads
        self._settle = settle
        self._schedules = schedules
        self._lock = threading.Lock()  # one advance at a time

    def reading(self) -> dict[str, Any]:
        """``GET /_local/clock``: the time (RFC 3339 UTC and epoch seconds) and how far it was moved."""
        now = self.clock.now()
        return {
            "now": datetime.fromtimestamp(int(now), UTC).isoformat().replace("+00:00", "Z"),
            "epoch_s": int(now),
            "advanced_s": int(self.clock.advanced_s),
            "mode": self.mode,
            "time_factor": self.time_factor,
            "max_advance_s": MAX_ADVANCE_S,
        }

    def advance(self, seconds: int, *, timeout_s: float = SETTLE_TIMEOUT_S) -> Advanced:
        """Move the clock ``seconds`` ahead, then wait (up to ``timeout_s`` of real time) until
        what fell due has run: every wait whose deadline passed woke and its execution went on to
        its next wait or its end, the schedules due fired, and the deliveries they all caused
        are done."""
        seconds = check_advance(seconds)
        with self._lock:
            self.clock.advance(seconds)
            deadline = time.monotonic() + timeout_s
            fired: list[str] = []
            quiet = 0
            while quiet < 2:  # at rest twice in a row, with a settle in between
                fired.extend(self._schedules())
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    self._settle(remaining)
                except TimeoutError:
                    break
                if self.busy() == 0:
                    quiet += 1
                else:
                    quiet = 0
                    time.sleep(0.002)
            return Advanced(seconds, tuple(fired), settled=quiet >= 2, busy=self.busy())

    def busy(self) -> int:
        """How many interpreter threads are not at rest."""
        frames = sys._current_frames()  # where each thread is blocked (read only)
        return sum(1 for thread in list(self._threads()) if not self._at_rest(thread, frames))

    def _at_rest(self, thread: threading.Thread, frames: dict[int, Any]) -> bool:
        if thread.ident is None:
            return False  # about to start
        if not thread.is_alive():
            return True
        parked = self.clock.parked(thread.ident)
        if parked is not None:
            return parked
        frame = frames.get(thread.ident)
        return frame is not None and frame.f_code.co_filename == threading.__file__
