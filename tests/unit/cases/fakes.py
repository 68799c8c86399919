"""Cases wired to the payouts' in-memory world: books with cases, Stripe reversals a seller's
spent balance can refuse, and a case service and a payout service over the same books."""

from __future__ import annotations

import copy
import itertools
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tests.unit.payouts.fakes import FakeBooks, FakeOrderBook, FakePayouts, FakeStarter
from tests.unit.payouts.world import World
from workflows.cases.model import CasePolicy
from workflows.cases.ports import ReversalResult
from workflows.cases.service import CaseService
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from tests.unit.ledger.fakes import InMemoryLedger
    from workflows.cases.model import Case, TimelineEntry
    from workflows.cases.ports import ReversalRequest


@dataclass
class CaseState:
    cases: dict[str, Case] = field(default_factory=dict)
    events: set[str] = field(default_factory=set)


class FakeCases:
    def __init__(self, state: CaseState, books: Any) -> None:
        self.s = state
        self._books = books

    def add(self, case: Case, entry: TimelineEntry, event_id: str) -> bool:
        if case.case_id in self.s.cases:
            return False
        self.s.cases[case.case_id] = replace(case, timeline=(entry,))
        self.s.events.add(event_id)
        return True

    def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        return self.s.cases.get(case_id)

    def open_for_order(self, order_id: str) -> Case | None:
        return next((c for c in self.s.cases.values() if c.order_id == order_id and c.is_open), None)

    def save(self, case: Case, entry: TimelineEntry, event_id: str) -> bool:
        if event_id in self.s.events:
            return False
        self.s.events.add(event_id)
        before = self.s.cases[case.case_id]
        self.s.cases[case.case_id] = replace(case, timeline=(*before.timeline, entry))
        return True

    def cases_of_buyer_since(self, buyer_id: str, since: datetime) -> int:
        return sum(1 for c in self.s.cases.values() if c.buyer_id == buyer_id and c.opened_at >= since)

    def set_payout_amount(self, order_id: str, amount: Money) -> None:
        payouts = self._books.state.payouts
        payout = payouts.get(order_id)
        if payout is not None and payout.status != "transferred":
            payouts[order_id] = replace(payout, amount=amount)


@dataclass
class _CaseTx:
    orders: FakeOrderBook
    payouts: FakePayouts
    ledger: InMemoryLedger
    cases: FakeCases
    disputes: Any = None


class FakeCaseBooks(FakeBooks):
    """The payouts' books with cases, and an open case counted as the payout's dispute hold."""

    def __init__(self) -> None:
        super().__init__()
        self.case_state = CaseState()

    @contextmanager
    def __call__(self) -> Iterator[Any]:
        saved = (copy.deepcopy(self.state), dict(self.ledger.entries), copy.deepcopy(self.case_state))
        for order_id in self.state.orders:  # what adapters/postgres/fulfilment.py counts
            self.state.disputes[order_id] = sum(
                1 for c in self.case_state.cases.values() if c.order_id == order_id and c.is_open
            )
        tx = _CaseTx(
            FakeOrderBook(self.state), FakePayouts(self.state), self.ledger, FakeCases(self.case_state, self)
        )
        try:
            yield tx
        except BaseException:
            self.state.__dict__.update(saved[0].__dict__)
            self.ledger.entries = saved[1]
            self.case_state.__dict__.update(saved[2].__dict__)
            raise


class FakeReversals:
    """Stripe's reversals, refused while the seller's account has spent what it was sent."""

    def __init__(self, world: CaseWorld) -> None:
        self.world = world
        self._ids = itertools.count(1)
        self.by_key: dict[str, str] = {}
        self.spent = False

    def reverse(self, request: ReversalRequest) -> ReversalResult:
        if request.idempotency_key in self.by_key:
            return ReversalResult(reversal_id=self.by_key[request.idempotency_key])
        transfer = self.world.stripe.transfers[request.transfer_id]
        reversed_ = sum((m.amount_minor for m in (transfer.get("reversals") or {}).values()), 0)
        if self.spent or reversed_ + request.amount.amount_minor > transfer["amount"].amount_minor:
            return ReversalResult(reversal_id=None, refused="insufficient_funds")
        rid = f"trr_{next(self._ids)}"
        self.world.stripe.reverse(request.transfer_id, rid, request.amount)
        self.by_key[request.idempotency_key] = rid
        return ReversalResult(reversal_id=rid)


class NoEvents:
    def __init__(self) -> None:
        self.published: list[Any] = []

    def publish(self, *events: Any) -> None:
        self.published += events


@dataclass
class CaseWorld(World):
    books: FakeCaseBooks = field(default_factory=FakeCaseBooks)  # type: ignore[assignment]
    case_starter: FakeStarter = field(default_factory=FakeStarter)
    events: NoEvents = field(default_factory=NoEvents)
    case_policy: CasePolicy = field(default_factory=CasePolicy)
    reversals: FakeReversals = field(init=False)

    def __post_init__(self) -> None:
        self.reversals = FakeReversals(self)

    @property
    def cases(self) -> CaseService:
        return CaseService(
            books=self.books,
            reader=None,  # type: ignore[arg-type]  # lists are not exercised here
            refunds=self.stripe,
            reversals=self.reversals,
            waiting=self.waiting,
            responder=self.responder,
            starter=self.case_starter,
            notifications=self.notifications,
            events=self.events,
            clock=self.clock,
            policy=self.case_policy,
            admin_email="admins@example.com",
        )

    def settle_case(self, case_id: str) -> None:
        """What the case_resolution machine does next: check, refund if decided, close if closed."""
        checked = self.cases.check_case(case_id)
        if checked.stage == "refund_pending":
            self.cases.refund_buyer(case_id)
            checked = self.cases.check_case(case_id)
        if checked.stage == "closed":
            self.cases.close_case(case_id)
