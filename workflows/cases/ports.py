"""What cases talk through; adapters implement these (``adapters/postgres/cases.py``,
``adapters/stripe/cases.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from workflows.payouts.ports import Books

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import datetime

    from workflows.cases.model import Case, CaseStatus, TimelineEntry
    from workflows.shared.money import Money


class CaseRepository(Protocol):
    """Cases and their timelines, on the caller's transaction."""

    def add(self, case: Case, entry: TimelineEntry, event_id: str) -> bool:
        """Insert the case with its first timeline entry; False when the id exists."""
        ...

    def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        """The case with its timeline, oldest first."""
        ...

    def open_for_order(self, order_id: str) -> Case | None: ...

    def save(self, case: Case, entry: TimelineEntry, event_id: str) -> bool:
        """Write the case's new state and append ``entry``; False (nothing written) when the
        timeline has ``event_id`` already: the same action, retried."""
        ...

    def cases_of_buyer_since(self, buyer_id: str, since: datetime) -> int: ...

    def set_payout_amount(self, order_id: str, amount: Money) -> None:
        """A payout not sent yet pays what is left of the seller's net after a partial refund."""
        ...


class DisputeRepository(Protocol):
    """Stripe disputes per order (``order_disputes``), on the caller's transaction."""

    def orders_paid_by(self, payment_intent_id: str) -> list[str]:
        """The orders one PaymentIntent paid (a checkout's charge pays every seller's order)."""
        ...

    def record(self, dispute: DisputeState, order_id: str, share: Money, status: str) -> bool:
        """Insert or update this order's row of the dispute; True when its status changed."""
        ...

    def get(self, dispute_id: str) -> list[DisputeRecord]: ...

    def mark_evidence_sent(self, dispute_id: str, at: datetime) -> None: ...


class CaseBooks(Books, Protocol):
    """One transaction over cases, disputes, orders, payouts and the ledger."""

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def disputes(self) -> DisputeRepository: ...


class CaseBooksFactory(Protocol):
    def __call__(self) -> AbstractContextManager[CaseBooks]: ...


class CaseReader(Protocol):
    """Lists for the parties and the admins (pooled reads)."""

    def for_user(
        self, user_id: str, *, role: str, limit: int, before: tuple[datetime, str] | None
    ) -> list[Case]: ...

    def by_status(
        self, status: CaseStatus | None, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Case]: ...

    def seller_rate(self, seller_id: str, since: datetime) -> tuple[int, int]:
        """(cases opened against the seller, the seller's paid orders) since ``since``."""
        ...


@dataclass(frozen=True)
class ReversalRequest:
    transfer_id: str
    amount: Money
    idempotency_key: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class ReversalResult:
    """The reversal Stripe made, or why it could not (the seller's balance cannot cover it)."""

    reversal_id: str | None
    refused: str | None = None


class TransferReversals(Protocol):
    """Stripe reversals of a transfer to a seller's connected account."""

    def reverse(self, request: ReversalRequest) -> ReversalResult: ...


class CaseStarter(Protocol):
    """Starts the case_resolution state machine (an existing execution of that name is not an error)."""

    def start(self, name: str, payload: dict[str, Any]) -> bool: ...


@dataclass(frozen=True)
class DisputeState:
    """A dispute as Stripe has it now (read from Stripe, never from an event's payload)."""

    dispute_id: str
    #: Stripe's status: needs_response, under_review, won, lost, warning_* ...
    status: str
    amount: Money
    reason: str
    payment_intent_id: str | None
    charge_id: str | None
    #: what Stripe took from the balance (the disputed amount) and its fee; None: not yet
    withdrawn: Money | None = None
    fee: Money | None = None
    #: what Stripe gave back when the dispute was won; None: nothing (yet)
    reinstated: Money | None = None
    evidence_due_by: datetime | None = None


@dataclass(frozen=True)
class DisputeRecord:
    """One order's row of a dispute, as the platform keeps it."""

    dispute_id: str
    order_id: str
    status: str
    stripe_status: str | None
    amount: Money | None
    reason: str | None
    evidence_due_by: datetime | None
    evidence_submitted_at: datetime | None


class DisputeGateway(Protocol):
    """Stripe's disputes: read one, send evidence (``Dispute.modify(evidence=..., submit=...)``)."""

    def retrieve(self, dispute_id: str) -> DisputeState | None: ...

    def submit_evidence(self, dispute_id: str, evidence: dict[str, str], *, submit: bool) -> DisputeState: ...
