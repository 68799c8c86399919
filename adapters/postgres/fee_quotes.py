"""Quotes kept for the checkout that asked for them (``fee_quotes``; migration 0084).

:class:`PostgresFeeQuotes` is what fee_calculation's Calculate Fees writes through (a pooled
connection per call); :class:`PostgresKeptQuotes` is what the checkout's Create Orders reads
through, on its unit of work's transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from psycopg.types.json import Jsonb

from adapters.postgres.repository import PooledReads, Repository
from workflows.fees.service import QuoteView

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

_KEEP = (
    "INSERT INTO fee_quotes (quote_id, held_by, quote) VALUES (%s, %s, %s) "
    "ON CONFLICT (quote_id) DO UPDATE SET held_by = excluded.held_by, quote = excluded.quote, "
    "created_at = now()"
)


class PostgresFeeQuotes(PooledReads):
    """Implements ``workflows.fees.service.QuoteStore``."""

    def keep(self, quote_id: str, held_by: str, quote: QuoteView) -> None:
        def write(conn: Connection[DictRow]) -> None:
            conn.execute(_KEEP, (quote_id, held_by, Jsonb(quote.model_dump(mode="json"))))

        self._read(write)


class PostgresKeptQuotes(Repository):
    """Implements ``workflows.checkout.ports.KeptQuotes`` on the caller's transaction."""

    def get(self, quote_id: str, held_by: str) -> QuoteView | None:
        row = self._execute(
            "SELECT quote FROM fee_quotes WHERE quote_id = %s AND held_by = %s", (quote_id, held_by)
        ).fetchone()
        return QuoteView.model_validate(row["quote"]) if row else None
