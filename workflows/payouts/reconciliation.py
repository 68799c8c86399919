"""Reconciliation: the ledger against Stripe, every difference reported (a pure comparison).

Compared, each side keyed by Stripe's id:

- transfers: every Stripe transfer from the platform has a ledger ``transfer`` entry of the same
  amount, and every ledger transfer exists in Stripe; what Stripe reversed of a transfer equals
  the ledger's ``reversal`` entries for it;
- charges: what Stripe captured per PaymentIntent equals the ledger's ``payment`` entries of the
  orders paid by it, and every ledger payment has its charge in Stripe.

The adapters read both sides (``adapters/postgres/payouts.py``, ``adapters/stripe/transfers.py``);
the scheduled job and ``make reconcile`` print the report and fail when it is not clean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from datetime import datetime

DifferenceKind = Literal[
    "transfer_missing_in_ledger",
    "transfer_missing_in_stripe",
    "transfer_amount_differs",
    "reversal_amount_differs",
    "charge_missing_in_ledger",
    "payment_missing_in_stripe",
    "charge_amount_differs",
]


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
    transfers_checked: int
    charges_checked: int
    differences: tuple[Difference, ...] = field(default=())

    @property
    def clean(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at.isoformat(),
            "clean": self.clean,
            "transfers_checked": self.transfers_checked,
            "charges_checked": self.charges_checked,
            "differences": [d.as_dict() for d in self.differences],
        }


class LedgerSide(Protocol):
    def transfers(self) -> list[LedgerTransfer]: ...

    def payments(self) -> list[LedgerPayment]: ...


class StripeSide(Protocol):
    def transfers(self) -> list[StripeTransfer]: ...

    def charges(self) -> list[StripeCharge]: ...


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


def reconcile(ledger: LedgerSide, stripe: StripeSide, *, now: datetime) -> ReconciliationReport:
    """Every difference between the two sides (an empty tuple when they agree)."""
    ledger_transfers, stripe_transfers = ledger.transfers(), stripe.transfers()
    ledger_payments, stripe_charges = ledger.payments(), stripe.charges()
    differences = compare_transfers(ledger_transfers, stripe_transfers) + compare_charges(
        ledger_payments, stripe_charges
    )
    return ReconciliationReport(
        checked_at=now,
        transfers_checked=len(
            {t.transfer_id for t in ledger_transfers} | {t.transfer_id for t in stripe_transfers}
        ),
        charges_checked=len(
            {p.payment_intent_id for p in ledger_payments} | {c.payment_intent_id for c in stripe_charges}
        ),
        differences=tuple(differences),
    )
