"""The ledger port: adapters post entries and read balances (PostgreSQL: adapters/postgres/ledger.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from workflows.ledger.model import JournalEntry
    from workflows.shared.money import Money


class Ledger(Protocol):
    def post(self, entry: JournalEntry) -> bool:
        """Record ``entry``; True if it is new, False if the same entry was posted before.

        The same id with other postings raises :class:`~workflows.ledger.errors.EntryConflict`.
        """
        ...

    def balance(self, account: str, currency: str) -> Money:
        """The signed sum of the account's postings (debits positive, credits negative)."""
        ...

    def hold(self, account: str) -> None:
        """Until the caller's transaction ends, no other transaction holds ``account``: a decision
        made on its balance (read, then posted) is never made twice at once."""
        ...

    def entries_for_order(self, order_id: str) -> list[JournalEntry]:
        """The order's entries, in the order they were posted."""
        ...
