"""Reconciliation: the ledger against Stripe over a time window, every difference reported.

A run looks at the objects created in a window ``[from, to)`` (by default the last
:data:`DEFAULT_WINDOW_DAYS` days, so a daily run overlaps the one before and nothing falls
between two runs). Each side lists what it created in the window; whatever one side has and the
other did not list (an object created on one side just before the window and recorded on the
other just inside it) is then looked up by its id on the other side, so an object that straddles
a boundary is compared, never reported as missing. A difference between two objects that are both
outside the window is not reported (the run that covered them did).

Compared, each keyed by Stripe's id:

- transfers: every Stripe transfer from the platform has a ledger ``transfer`` entry of the same
  amount, and every ledger transfer exists in Stripe; what Stripe reversed of a transfer equals
  the ledger's ``reversal`` entries for it;
- transfer reversals: every Stripe reversal has a ledger ``reversal`` entry of the same amount
  and transfer, and every ledger reversal exists in Stripe;
- charges: what Stripe captured per PaymentIntent equals the ledger's ``payment`` entries of the
  orders paid by it, and every ledger payment has its charge in Stripe;
- refunds: every Stripe refund has the ledger's ``refund`` entry of the same amount for the same
  order and PaymentIntent, and the ledger's settlement agrees with Stripe's status: ``succeeded``
  has ``refund_paid``; ``pending`` has neither ``refund_paid`` nor ``refund_failed`` (expected,
  listed as pending, not a difference); ``failed``/``canceled`` has ``refund_failed`` (and
  ``refund_returned`` after a ``refund_paid``), or nothing at all. A settlement kind the ledger
  does not know (:data:`workflows.ledger.model.ENTRY_KINDS`) is not required. Every ledger
  refund exists in Stripe.

The adapters read both sides (``adapters/postgres/reconciliation.py``,
``adapters/stripe/reconciliation.py``); :class:`Reconciliation` runs them for the scheduled job
and ``make reconcile``, which print the report and fail when it is not clean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workflows.ledger.model import ENTRY_KINDS
from workflows.payouts.errors import InvalidReconciliationWindow

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

    from workflows.shared.clock import Clock

#: how far back a run looks by default: two days, so the daily runs overlap
DEFAULT_WINDOW_DAYS = 2

DifferenceKind = Literal[
    "transfer_missing_in_ledger",
    "transfer_missing_in_stripe",
    "transfer_amount_differs",
    "reversal_amount_differs",
    "reversal_missing_in_ledger",
    "reversal_missing_in_stripe",
    "reversal_differs",
    "charge_missing_in_ledger",
    "payment_missing_in_stripe",
    "charge_amount_differs",
    "refund_missing_in_ledger",
    "refund_missing_in_stripe",
    "refund_amount_differs",
    "refund_charge_differs",
    "refund_status_differs",
]

#: Stripe's refund statuses, as the ledger sees them
_PENDING_STATUSES = frozenset({"pending", "requires_action"})
_FAILED_STATUSES = frozenset({"failed", "canceled"})


@dataclass(frozen=True)
class Window:
    """The objects created in ``[start, end)``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidReconciliationWindow(
                "A reconciliation window's bounds need a time zone.",
                details={"from": self.start.isoformat(), "to": self.end.isoformat()},
            )
        if self.start >= self.end:
            raise InvalidReconciliationWindow(
                "A reconciliation window must end after it starts.",
                details={"from": self.start.isoformat(), "to": self.end.isoformat()},
            )

    @classmethod
    def around(cls, now: datetime, *, start: datetime | None = None, end: datetime | None = None) -> Window:
        """``[start, end)``, each bound defaulting from ``now``: the end to ``now``, the start to
        :data:`DEFAULT_WINDOW_DAYS` days before the end."""
        upper = end or now
        return cls(start or upper - timedelta(days=DEFAULT_WINDOW_DAYS), upper)

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


class ReconciliationRequest(BaseModel):
    """A run's window as asked (the scheduled event asks nothing: the default window).

    ``from``/``to`` are ISO dates or date-times; one without a time zone is UTC."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    start: datetime | None = Field(default=None, alias="from")
    end: datetime | None = Field(default=None, alias="to")

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    def window(self, now: datetime) -> Window:
        return Window.around(now, start=self.start, end=self.end)


@dataclass(frozen=True)
class StripeTransfer:
    transfer_id: str
    amount: int
    amount_reversed: int
    currency: str
    order_id: str | None


@dataclass(frozen=True)
class LedgerTransfer:
    transfer_id: str
    order_id: str
    amount: int
    reversed: int
    currency: str


@dataclass(frozen=True)
class StripeCharge:
    """What Stripe captured under one PaymentIntent (its charges together)."""

    payment_intent_id: str
    charge_ids: tuple[str, ...]
    captured: int
    currency: str


@dataclass(frozen=True)
class LedgerPayment:
    """The ledger's payment entries of the orders one PaymentIntent paid."""

    payment_intent_id: str
    order_ids: tuple[str, ...]
    amount: int
    currency: str


@dataclass(frozen=True)
class StripeRefund:
    refund_id: str
    amount: int
    currency: str
    #: Stripe's status: ``pending``, ``requires_action``, ``succeeded``, ``failed``, ``canceled``
    status: str
    order_id: str | None
    payment_intent_id: str | None


@dataclass(frozen=True)
class LedgerRefund:
    """The ledger's entries about one Stripe refund."""

    refund_id: str
    order_id: str
    #: the PaymentIntent of the refunded order
    payment_intent_id: str | None
    #: what the ``refund`` entry granted (0 without one)
    amount: int
    currency: str
    #: the kinds of the entries posted for it: ``refund``, ``refund_paid``, ``refund_failed``, ...
    kinds: frozenset[str]


@dataclass(frozen=True)
class StripeReversal:
    reversal_id: str
    transfer_id: str
    amount: int
    currency: str


@dataclass(frozen=True)
class LedgerReversal:
    reversal_id: str
    transfer_id: str
    order_id: str
    amount: int
    currency: str


@dataclass(frozen=True)
class Difference:
    kind: DifferenceKind
    stripe_id: str
    message: str
    ledger_amount: int | None = None
    stripe_amount: int | None = None
    currency: str | None = None
    order_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stripe_id": self.stripe_id,
            "message": self.message,
            "ledger_amount": self.ledger_amount,
            "stripe_amount": self.stripe_amount,
            "currency": self.currency,
            "order_ids": list(self.order_ids),
        }


@dataclass(frozen=True)
class ReconciliationReport:
    checked_at: datetime
    window: Window
    transfers_checked: int
    charges_checked: int
    refunds_checked: int = 0
    reversals_checked: int = 0
    #: Stripe refunds still pending, granted in the ledger and not settled: expected, not differences
    refunds_pending: tuple[str, ...] = ()
    differences: tuple[Difference, ...] = field(default=())

    @property
    def clean(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at.isoformat(),
            "window": self.window.as_dict(),
            "clean": self.clean,
            "transfers_checked": self.transfers_checked,
            "charges_checked": self.charges_checked,
            "refunds_checked": self.refunds_checked,
            "reversals_checked": self.reversals_checked,
            "refunds_pending": list(self.refunds_pending),
            "differences": [d.as_dict() for d in self.differences],
        }


class LedgerSide(Protocol):
    """What the ledger recorded: the records of objects created in ``window``, and those of the
    Stripe ids named in ``also`` whenever they were recorded."""

    def transfers(self, window: Window, also: Collection[str] = ()) -> list[LedgerTransfer]: ...

    def payments(self, window: Window, also: Collection[str] = ()) -> list[LedgerPayment]: ...

    def refunds(self, window: Window, also: Collection[str] = ()) -> list[LedgerRefund]: ...

    def reversals(self, window: Window, also: Collection[str] = ()) -> list[LedgerReversal]: ...


class StripeSide(Protocol):
    """What Stripe has: the objects created in ``window``, and one object by its id (None when
    Stripe has no such object)."""

    def transfers(self, window: Window) -> list[StripeTransfer]: ...

    def transfer(self, transfer_id: str) -> StripeTransfer | None: ...

    def charges(self, window: Window) -> list[StripeCharge]: ...

    def charge(self, payment_intent_id: str) -> StripeCharge | None: ...

    def refunds(self, window: Window) -> list[StripeRefund]: ...

    def refund(self, refund_id: str) -> StripeRefund | None: ...

    def reversals(self, window: Window) -> list[StripeReversal]: ...

    def reversal(self, transfer_id: str, reversal_id: str) -> StripeReversal | None: ...


# -- the comparisons ------------------------------------------------------------------------------


def compare_transfers(ledger: list[LedgerTransfer], stripe: list[StripeTransfer]) -> list[Difference]:
    found: list[Difference] = []
    ours = {t.transfer_id: t for t in ledger}
    theirs = {t.transfer_id: t for t in stripe}
    for tid, s in sorted(theirs.items()):
        mine = ours.get(tid)
        orders = (s.order_id,) if s.order_id else ()
        if mine is None:
            found.append(
                Difference("transfer_missing_in_ledger", tid, f"Stripe transfer {tid} of {s.amount} "
                           f"{s.currency} has no ledger entry", None, s.amount, s.currency, orders)
            )  # fmt: skip
            continue
        if (mine.amount, mine.currency) != (s.amount, s.currency):
            found.append(
                Difference("transfer_amount_differs", tid, f"transfer {tid}: ledger {mine.amount} "
                           f"{mine.currency}, Stripe {s.amount} {s.currency}", mine.amount, s.amount,
                           s.currency, (mine.order_id,))
            )  # fmt: skip
        if mine.reversed != s.amount_reversed:
            found.append(
                Difference("reversal_amount_differs", tid, f"transfer {tid}: ledger reversed "
                           f"{mine.reversed}, Stripe {s.amount_reversed}", mine.reversed,
                           s.amount_reversed, s.currency, (mine.order_id,))
            )  # fmt: skip
    for tid, mine in sorted(ours.items()):
        if tid not in theirs:
            found.append(
                Difference("transfer_missing_in_stripe", tid, f"ledger transfer {tid} of {mine.amount} "
                           f"{mine.currency} is not in Stripe", mine.amount, None, mine.currency,
                           (mine.order_id,))
            )  # fmt: skip
    return found


def compare_charges(ledger: list[LedgerPayment], stripe: list[StripeCharge]) -> list[Difference]:
    found: list[Difference] = []
    ours = {p.payment_intent_id: p for p in ledger}
    theirs = {c.payment_intent_id: c for c in stripe}
    for pi, s in sorted(theirs.items()):
        mine = ours.get(pi)
        if mine is None:
            found.append(
                Difference("charge_missing_in_ledger", pi, f"Stripe captured {s.captured} {s.currency} "
                           f"under {pi} ({', '.join(s.charge_ids)}); the ledger has no payment",
                           None, s.captured, s.currency)
            )  # fmt: skip
        elif (mine.amount, mine.currency) != (s.captured, s.currency):
            found.append(
                Difference("charge_amount_differs", pi, f"{pi}: ledger payments {mine.amount} "
                           f"{mine.currency}, Stripe captured {s.captured} {s.currency}", mine.amount,
                           s.captured, s.currency, mine.order_ids)
            )  # fmt: skip
    for pi, mine in sorted(ours.items()):
        if pi not in theirs:
            found.append(
                Difference("payment_missing_in_stripe", pi, f"ledger payment of {mine.amount} "
                           f"{mine.currency} under {pi} has no captured charge in Stripe", mine.amount,
                           None, mine.currency, mine.order_ids)
            )  # fmt: skip
    return found


def compare_reversals(ledger: list[LedgerReversal], stripe: list[StripeReversal]) -> list[Difference]:
    found: list[Difference] = []
    ours = {r.reversal_id: r for r in ledger}
    theirs = {r.reversal_id: r for r in stripe}
    for rid, s in sorted(theirs.items()):
        mine = ours.get(rid)
        if mine is None:
            found.append(
                Difference("reversal_missing_in_ledger", rid, f"Stripe reversed {s.amount} {s.currency} "
                           f"of transfer {s.transfer_id} ({rid}); the ledger has no reversal entry",
                           None, s.amount, s.currency)
            )  # fmt: skip
        elif (mine.amount, mine.currency, mine.transfer_id) != (s.amount, s.currency, s.transfer_id):
            found.append(
                Difference("reversal_differs", rid, f"reversal {rid}: ledger {mine.amount} {mine.currency} "
                           f"of {mine.transfer_id}, Stripe {s.amount} {s.currency} of {s.transfer_id}",
                           mine.amount, s.amount, s.currency, (mine.order_id,))
            )  # fmt: skip
    for rid, mine in sorted(ours.items()):
        if rid not in theirs:
            found.append(
                Difference("reversal_missing_in_stripe", rid, f"ledger reversal {rid} of {mine.amount} "
                           f"{mine.currency} (transfer {mine.transfer_id}) is not in Stripe", mine.amount,
                           None, mine.currency, (mine.order_id,))
            )  # fmt: skip
    return found


def _ledger_settlement(kinds: frozenset[str]) -> str:
    """What the ledger's entries say of a refund: granted and ``pending``, ``succeeded``,
    ``failed``, or ``inconsistent`` (settled without a grant, paid and failed but not returned)."""
    if "refund" not in kinds:
        return "inconsistent"
    if "refund_failed" in kinds:
        if "refund_paid" in kinds and "refund_returned" not in kinds:
            return "inconsistent"
        return "failed"
    return "succeeded" if "refund_paid" in kinds else "pending"


def _settlement_agrees(stripe_status: str, ledger: str, known_kinds: Collection[str]) -> bool:
    if stripe_status == "succeeded":
        # until the ledger can record a paid refund, a granted one is all it can say
        return ledger == "succeeded" or (ledger == "pending" and "refund_paid" not in known_kinds)
    if stripe_status in _FAILED_STATUSES:
        return ledger == "failed" or (ledger == "pending" and "refund_failed" not in known_kinds)
    return ledger == "pending"


def compare_refunds(
    ledger: list[LedgerRefund], stripe: list[StripeRefund], *, known_kinds: Collection[str] = ENTRY_KINDS
) -> tuple[list[Difference], list[str]]:
    """The differences, and the refunds Stripe still has pending (as the ledger expects)."""
    found: list[Difference] = []
    pending: list[str] = []
    ours = {r.refund_id: r for r in ledger}
    theirs = {r.refund_id: r for r in stripe}
    for rid, s in sorted(theirs.items()):
        mine = ours.get(rid)
        orders = (s.order_id,) if s.order_id else ()
        if mine is None:
            if s.status not in _FAILED_STATUSES:  # a refund that failed at once moved no money
                found.append(
                    Difference("refund_missing_in_ledger", rid, f"Stripe refund {rid} ({s.status}) of "
                               f"{s.amount} {s.currency} under {s.payment_intent_id} has no ledger entry",
                               None, s.amount, s.currency, orders)
                )  # fmt: skip
            continue
        if "refund" in mine.kinds and (mine.amount, mine.currency) != (s.amount, s.currency):
            found.append(
                Difference("refund_amount_differs", rid, f"refund {rid}: ledger {mine.amount} "
                           f"{mine.currency}, Stripe {s.amount} {s.currency}", mine.amount, s.amount,
                           s.currency, (mine.order_id,))
            )  # fmt: skip
        if (s.order_id is not None and s.order_id != mine.order_id) or (
            s.payment_intent_id is not None and mine.payment_intent_id is not None
            and s.payment_intent_id != mine.payment_intent_id
        ):  # fmt: skip
            found.append(
                Difference("refund_charge_differs", rid, f"refund {rid}: the ledger refunds order "
                           f"{mine.order_id} ({mine.payment_intent_id}), Stripe order {s.order_id} "
                           f"({s.payment_intent_id})", mine.amount, s.amount, s.currency,
                           tuple(sorted({mine.order_id, *orders})))
            )  # fmt: skip
        settlement = _ledger_settlement(mine.kinds)
        if not _settlement_agrees(s.status, settlement, known_kinds):
            found.append(
                Difference("refund_status_differs", rid, f"refund {rid}: Stripe says {s.status}, the "
                           f"ledger has {', '.join(sorted(mine.kinds))} ({settlement})", mine.amount,
                           s.amount, s.currency, (mine.order_id,))
            )  # fmt: skip
        elif s.status in _PENDING_STATUSES:
            pending.append(rid)
    for rid, mine in sorted(ours.items()):
        if rid not in theirs:
            found.append(
                Difference("refund_missing_in_stripe", rid, f"ledger refund {rid} of {mine.amount} "
                           f"{mine.currency} ({', '.join(sorted(mine.kinds))}) is not in Stripe",
                           mine.amount, None, mine.currency, (mine.order_id,))
            )  # fmt: skip
    return found, pending


# -- the run --------------------------------------------------------------------------------------

_S = TypeVar("_S")
_L = TypeVar("_L")


def _both_sides(
    listed: list[_S],
    stripe_key: Callable[[_S], str],
    recorded: Callable[[Collection[str]], list[_L]],
    ledger_key: Callable[[_L], str],
    lookup: Callable[[_L], _S | None],
) -> tuple[list[_L], list[_S]]:
    """The ledger's records of the window and of every Stripe object listed, and Stripe's objects
    of the window and of every ledger record Stripe did not list (looked up by id)."""
    listed_ids = {stripe_key(s) for s in listed}
    ours = recorded(sorted(listed_ids))
    theirs = list(listed)
    for record in sorted(ours, key=ledger_key):
        if ledger_key(record) not in listed_ids and (found := lookup(record)) is not None:
            theirs.append(found)
    return ours, theirs


def _count(*groups: Iterable[str]) -> int:
    return len(set().union(*groups))


def reconcile(
    ledger: LedgerSide, stripe: StripeSide, *, window: Window, now: datetime
) -> ReconciliationReport:
    """Every difference between the two sides over ``window`` (an empty tuple when they agree)."""
    transfers = _both_sides(
        stripe.transfers(window), lambda s: s.transfer_id,
        lambda ids: ledger.transfers(window, ids), lambda r: r.transfer_id,
        lambda r: stripe.transfer(r.transfer_id),
    )  # fmt: skip
    charges = _both_sides(
        stripe.charges(window), lambda s: s.payment_intent_id,
        lambda ids: ledger.payments(window, ids), lambda r: r.payment_intent_id,
        lambda r: stripe.charge(r.payment_intent_id),
    )  # fmt: skip
    refunds = _both_sides(
        stripe.refunds(window), lambda s: s.refund_id,
        lambda ids: ledger.refunds(window, ids), lambda r: r.refund_id,
        lambda r: stripe.refund(r.refund_id),
    )  # fmt: skip
    reversals = _both_sides(
        stripe.reversals(window), lambda s: s.reversal_id,
        lambda ids: ledger.reversals(window, ids), lambda r: r.reversal_id,
        lambda r: stripe.reversal(r.transfer_id, r.reversal_id),
    )  # fmt: skip
    refund_differences, pending = compare_refunds(*refunds)
    differences = (
        compare_transfers(*transfers)
        + compare_reversals(*reversals)
        + compare_charges(*charges)
        + refund_differences
    )
    return ReconciliationReport(
        checked_at=now,
        window=window,
        transfers_checked=_count(
            (t.transfer_id for t in transfers[0]), (t.transfer_id for t in transfers[1])
        ),
        charges_checked=_count(
            (p.payment_intent_id for p in charges[0]), (c.payment_intent_id for c in charges[1])
        ),
        refunds_checked=_count((r.refund_id for r in refunds[0]), (r.refund_id for r in refunds[1])),
        reversals_checked=_count(
            (r.reversal_id for r in reversals[0]), (r.reversal_id for r in reversals[1])
        ),
        refunds_pending=tuple(pending),
        differences=tuple(differences),
    )


class Reconciliation:
    """The reconciliation run the scheduled job and ``make reconcile`` ask for: both sides read
    over a window, compared, the report returned as JSON-ready data."""

    def __init__(self, ledger: LedgerSide, stripe: StripeSide, clock: Clock) -> None:
        self._ledger = ledger
        self._stripe = stripe
        self._clock = clock

    def report(self, start: datetime | None = None, end: datetime | None = None) -> dict[str, Any]:
        """Compare the ledger with Stripe over ``[start, end)`` (default: the last
        :data:`DEFAULT_WINDOW_DAYS` days up to now)."""
        now = self._clock.now()
        window = Window.around(now, start=start, end=end)
        return reconcile(self._ledger, self._stripe, window=window, now=now).as_dict()
