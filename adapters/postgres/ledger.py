"""The double-entry ledger in PostgreSQL (``journal_entries``, ``ledger_postings``; migration 0040).

Implements ``workflows.ledger.ports.Ledger`` on the CALLER's connection and transaction: the
checkout (or payout) step writes its state change and its journal entry on one connection and
commits once, so both happen or neither does. The database checks at commit that every entry
balances per currency (a deferred constraint trigger) and refuses to change or delete postings.

Posting is idempotent: the entry id is the primary key; ``INSERT ... ON CONFLICT DO NOTHING``
lets exactly one of two concurrent posts of an id write it (the other waits for the first's
commit, then finds the entry and compares its postings).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout

from adapters.postgres.repository import Repository
from workflows.ledger.errors import EntryConflict, UnbalancedEntry
from workflows.ledger.model import JournalEntry, Posting, account_kind
from workflows.shared.errors import TransientError
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterator

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

_INSERT_ENTRY = """
INSERT INTO journal_entries (entry_id, kind, order_id, description)
VALUES (%s, %s, %s, %s)
ON CONFLICT (entry_id) DO NOTHING
RETURNING entry_id
"""
_OPEN_ACCOUNT = """
INSERT INTO ledger_accounts (account_code, kind) VALUES (%s, %s) ON CONFLICT (account_code) DO NOTHING
"""
_INSERT_POSTING = """
INSERT INTO ledger_postings (entry_id, line, account_code, amount, currency) VALUES (%s, %s, %s, %s, %s)
"""
_ENTRIES_OF_ORDER = """
SELECT e.entry_id, e.kind, e.order_id, e.description, p.account_code, p.amount, p.currency
FROM journal_entries e JOIN ledger_postings p USING (entry_id)
WHERE e.order_id = %s
ORDER BY e.posted_seq, p.line
"""
_ENTRY = """
SELECT e.entry_id, e.kind, e.order_id, e.description, p.account_code, p.amount, p.currency
FROM journal_entries e JOIN ledger_postings p USING (entry_id)
WHERE e.entry_id = %s
ORDER BY p.line
"""
#: one key per account (64-bit hash of its code); the lock lasts until the transaction ends
_HOLD = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"
_BALANCE = """
SELECT coalesce(sum(amount), 0)::bigint AS total FROM ledger_postings
WHERE account_code = %s AND currency = %s
"""


def _entries(rows: list[DictRow]) -> list[JournalEntry]:
    grouped: dict[str, list[DictRow]] = {}
    for row in rows:
        grouped.setdefault(row["entry_id"], []).append(row)
    return [
        JournalEntry(
            entry_id=entry_id,
            kind=lines[0]["kind"],
            order_id=lines[0]["order_id"],
            description=lines[0]["description"],
            postings=tuple(Posting(r["account_code"], Money(int(r["amount"]), r["currency"])) for r in lines),
        )
        for entry_id, lines in grouped.items()
    ]


class PostgresLedger(Repository):
    """The ledger on one connection; the caller owns the transaction (and commits it).

    Post inside :func:`unit_of_work` (or ``conn.transaction()``): each post is a savepoint of
    that transaction. On an idle connection each post is a transaction of its own.
    """

    def post(self, entry: JournalEntry) -> bool:
        with self._conn.transaction():  # a savepoint inside the caller's transaction
            created = self._execute(
                _INSERT_ENTRY, (entry.entry_id, entry.kind, entry.order_id, entry.description)
            ).fetchone()
            if created is None:
                existing = self.entry(entry.entry_id)
                if existing is None or not existing.same_as(entry):
                    raise EntryConflict(
                        f"ledger entry {entry.entry_id} exists with other postings",
                        details={"entry_id": entry.entry_id},
                    )
                return False
            for account in sorted({p.account for p in entry.postings}):
                self._execute(_OPEN_ACCOUNT, (account, account_kind(account)))
            try:
                with self._conn.cursor() as cursor:
                    cursor.executemany(
                        _INSERT_POSTING,
                        [
                            (entry.entry_id, line, p.account, p.amount.amount_minor, p.amount.currency)
                            for line, p in enumerate(entry.postings)
                        ],
                    )
            except psycopg.OperationalError as exc:
                raise TransientError(f"PostgreSQL: {exc}") from exc
        return True

    def entry(self, entry_id: str) -> JournalEntry | None:
        found = _entries(self._execute(_ENTRY, (entry_id,)).fetchall())
        return found[0] if found else None

    def balance(self, account: str, currency: str) -> Money:
        row = self._execute(_BALANCE, (account, currency)).fetchone()
        return Money(int(row["total"]) if row else 0, currency)

    def hold(self, account: str) -> None:
        # a transaction-level advisory lock: released at commit or rollback, by nothing else
        self._execute(_HOLD, (f"ledger:{account}",))

    def entries_for_order(self, order_id: str) -> list[JournalEntry]:
        return _entries(self._execute(_ENTRIES_OF_ORDER, (order_id,)).fetchall())


def is_unbalanced_commit(exc: BaseException) -> bool:
    """The commit failed because an entry did not balance (the deferred trigger's error)."""
    return isinstance(exc, pg_errors.CheckViolation) and exc.diag.constraint_name == "journal_entry_balanced"


@contextmanager
def unit_of_work(
    pool: ConnectionPool[Connection[DictRow]], *, timeout_s: float = 5.0
) -> Iterator[Connection[DictRow]]:
    """One connection and one transaction: committed when the block ends, rolled back on error.

    Write the state change (``PostgresOrders(conn)``) and its entries (``PostgresLedger(conn)``)
    in the block; the deferred balance check runs at the commit, and an unbalanced entry turns
    into :class:`UnbalancedEntry` with nothing written.
    """
    try:
        with pool.connection(timeout=timeout_s) as conn:
            try:
                with conn.transaction():
                    yield conn
            except pg_errors.CheckViolation as exc:
                if is_unbalanced_commit(exc):
                    raise UnbalancedEntry(f"the ledger refused an entry: {exc}") from exc
                raise
    except (psycopg.OperationalError, PoolTimeout) as exc:
        raise TransientError(f"PostgreSQL: {exc}") from exc
