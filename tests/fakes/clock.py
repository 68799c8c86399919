"""The one virtual clock of the tests: it moves only when told.

It serves both kinds of reader the product has: the workflows' ``Clock`` port (``now()``, an
aware UTC ``datetime``) and the provider stand-ins, which take a ``time.time``-like callable
(calling the clock gives seconds since the epoch). One instance can drive both sides of a test,
so Stripe's clock and the ledger's stay on one timeline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: the default moment of every test that does not choose one
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime | float = T0) -> None:
        self.moment = start if isinstance(start, datetime) else datetime.fromtimestamp(start, UTC)

    def now(self) -> datetime:
        return self.moment

    def __call__(self) -> float:
        return self.moment.timestamp()

    @property
    def epoch(self) -> float:
        """Seconds since the epoch, as the stand-ins stamp what they create."""
        return self.moment.timestamp()

    def set(self, moment: datetime | float) -> None:
        self.moment = moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment, UTC)

    def advance(self, by: float | timedelta | None = None, /, **parts: float) -> None:
        """Move forward by seconds, a ``timedelta``, or ``timedelta`` keywords (``minutes=5``)."""
        if by is None:
            self.moment += timedelta(**parts)
        else:
            self.moment += by if isinstance(by, timedelta) else timedelta(seconds=by)


def iso_in(delta: timedelta, now: float | None = None) -> str:
    """RFC 3339 UTC text for ``now`` + ``delta``: ``now`` in epoch seconds of the clock the server
    reads (the local cloud's ``cloud.clock.now()``, which other tests may have moved on), the real
    clock when not given."""
    moment = datetime.fromtimestamp(now, UTC) if now is not None else datetime.now(UTC)
    return (moment + delta).isoformat().replace("+00:00", "Z")
