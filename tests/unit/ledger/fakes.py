"""An in-memory ``workflows.ledger.ports.Ledger`` with the database's rules (balanced, idempotent)."""

from __future__ import annotations

from workflows.ledger.errors import EntryConflict
from workflows.ledger.model import JournalEntry, sums_by_currency
from workflows.shared.money import Money


class InMemoryLedger:
    def __init__(self) -> None:
        self.entries: dict[str, JournalEntry] = {}
        self.held: list[str] = []

    def post(self, entry: JournalEntry) -> bool:
        existing = self.entries.get(entry.entry_id)
        if existing is not None:
            if not existing.same_as(entry):
                raise EntryConflict(f"ledger entry {entry.entry_id} exists with other postings")
            return False
        assert not any(sums_by_currency(entry.postings).values())
        self.entries[entry.entry_id] = entry
        return True

    def post_all(self, entries: list[JournalEntry]) -> None:
        """Several entries as one transaction: all or nothing."""
        before = dict(self.entries)
        try:
            for e in entries:
                self.post(e)
        except Exception:
            self.entries = before
            raise

    def balance(self, account: str, currency: str) -> Money:
        return Money(
            sum(
                p.amount.amount_minor
                for e in self.entries.values()
                for p in e.postings
                if p.account == account and p.amount.currency == currency
            ),
            currency,
        )

    def hold(self, account: str) -> None:
        """One caller at a time already: only what was held is recorded (tests read it)."""
        self.held.append(account)

    def entries_for_order(self, order_id: str) -> list[JournalEntry]:
        return [e for e in self.entries.values() if e.order_id == order_id]

    def accounts(self) -> set[str]:
        return {p.account for e in self.entries.values() for p in e.postings}
