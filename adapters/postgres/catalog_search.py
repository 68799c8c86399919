"""Catalog search in PostgreSQL: the ``catalog_search`` read model (migrations 0120, 0121).

- :class:`PostgresSearchProjection`: the row of a listing, upserted only by a newer version (the
  catalog-search consumer), and :meth:`~PostgresSearchProjection.rebuild` from every listing;
- :class:`PostgresListingSearch`: ``workflows.catalog.ports.ListingSearch``: search, browse,
  facets (a browse's summed from ``catalog_search_counts``, which triggers keep in step with the
  rows) and the deals list, answered here; the page's listings are then read by id from the
  source of truth (MongoDB), so a card shows the listing as it is now.

Ranking: full-text matches are ranked by ``ts_rank`` over every match (title A, item specifics
B, description C). Relevance is: sponsored (a promotion in effect at the query's time) first,
then rank, then newest. Since "sponsored" depends on the time, relevance reads in two phases,
each a keyset scan of its own: the sponsored matches (the few with a promotion in effect), then
the others. Every cursor carries its sort's key, id last:

- ``price_asc`` / ``price_desc``: ``[price_minor, listing_id]``
- ``newest``: ``[created_at epoch microseconds, listing_id]``
- ``relevance``: ``[phase (1 sponsored, 0 not), rank, created_at microseconds, listing_id]``

The SQL is assembled from constant fragments; every value is a bound parameter (``noqa: S608``).
Statements are never prepared: a generic plan cannot tell a rare word from a common one, and
walks a sort index testing every row's words where the text index would find a few matches
(measured: p95 100 ms instead of 20 at 100k listings); each call is planned with its values.
"""

# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from adapters.postgres.repository import PooledReads
from workflows.catalog.search import Facets, SearchPage, SearchQuery, Sort, decode_cursor, encode_cursor
from workflows.shared.errors import InvalidCursor

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.catalog.model import Listing

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: the text search configuration (see the migration for why 'simple')
CONFIG = "simple"
#: rows per statement when rebuilding
REBUILD_BATCH = 2_000

_COLUMNS = (
    "listing_id, version, seller_id, category_id, category_path, condition, price_minor, currency, "
    "format, status, created_at, promo_starts_at, promo_ends_at, deal_priority, deal_starts_at, "
    "deal_ends_at, document"
)
_DOCUMENT = (
    "setweight(to_tsvector('simple', %(title)s), 'A') "
    "|| setweight(to_tsvector('simple', %(specifics)s), 'B') "
    "|| setweight(to_tsvector('simple', %(description)s), 'C')"
)
_VALUES = (
    "%(listing_id)s, %(version)s, %(seller_id)s, %(category_id)s, %(category_path)s, %(condition)s, "
    "%(price_minor)s, %(currency)s, %(format)s, %(status)s, %(created_at)s, %(promo_starts_at)s, "
    "%(promo_ends_at)s, %(deal_priority)s, %(deal_starts_at)s, %(deal_ends_at)s, " + _DOCUMENT
)
_UPSERT = f"""
INSERT INTO catalog_search AS s ({_COLUMNS}) VALUES ({_VALUES})
ON CONFLICT (listing_id) DO UPDATE SET
    version = EXCLUDED.version, seller_id = EXCLUDED.seller_id, category_id = EXCLUDED.category_id,
    category_path = EXCLUDED.category_path, condition = EXCLUDED.condition,
    price_minor = EXCLUDED.price_minor, currency = EXCLUDED.currency, format = EXCLUDED.format,
    status = EXCLUDED.status, created_at = EXCLUDED.created_at,
    promo_starts_at = EXCLUDED.promo_starts_at, promo_ends_at = EXCLUDED.promo_ends_at,
    deal_priority = EXCLUDED.deal_priority, deal_starts_at = EXCLUDED.deal_starts_at,
    deal_ends_at = EXCLUDED.deal_ends_at, document = EXCLUDED.document, projected_at = clock_timestamp()
WHERE s.version < EXCLUDED.version
"""
#: the rebuild's scratch table: the row's values and its tsvector's three texts
_SCRATCH_COLUMNS = (
    "listing_id", "version", "seller_id", "category_id", "category_path", "condition", "price_minor",
    "currency", "format", "status", "created_at", "promo_starts_at", "promo_ends_at", "deal_priority",
    "deal_starts_at", "deal_ends_at", "title", "specifics", "description",
)  # fmt: skip
_SCRATCH = f"""
CREATE TEMPORARY TABLE catalog_search_load ON COMMIT DROP AS
SELECT {_COLUMNS.replace(", document", "")}, ''::text AS title, ''::text AS specifics, ''::text AS description
FROM catalog_search WITH NO DATA
"""
_FROM_SCRATCH = f"""
INSERT INTO catalog_search ({_COLUMNS})
SELECT {_COLUMNS.replace(", document", "")},
    setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', specifics), 'B')
    || setweight(to_tsvector('simple', description), 'C')
FROM catalog_search_load
"""
#: what a rebuild ends with (see :meth:`PostgresSearchProjection.rebuild`)
_TIDY = "VACUUM (ANALYZE) catalog_search"
#: "a promotion in effect at %(at)s" (half-open window, as ``Window.contains``)
_SPONSORED = "(s.promo_starts_at <= %(at)s AND %(at)s < s.promo_ends_at)"


def row_of(listing: Listing) -> dict[str, Any]:
    """The projection's row of ``listing`` (its tsvector's three texts as parameters)."""
    promotion, deal = listing.promotion, listing.deal
    return {
        "listing_id": listing.id,
        "version": listing.version,
        "seller_id": listing.seller_id,
        "category_id": listing.category_id,
        "category_path": list(listing.category_path),
        "condition": listing.condition.value,
        "price_minor": listing.price.amount_minor,
        "currency": listing.price.currency,
        "format": listing.format.value,
        "status": listing.status.value,
        "created_at": listing.created_at,
        "promo_starts_at": promotion.window.starts_at if promotion else None,
        "promo_ends_at": promotion.window.ends_at if promotion else None,
        "deal_priority": deal.priority if deal else None,
        "deal_starts_at": deal.window.starts_at if deal else None,
        "deal_ends_at": deal.window.ends_at if deal else None,
        "title": listing.title,
        "specifics": " ".join(f"{s.name} {s.value}" for s in listing.item_specifics),
        "description": listing.description,
    }


def micros(moment: datetime) -> int:
    return (moment.astimezone(UTC) - EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


class PostgresSearchProjection:
    """The projection's writes: one listing's row (live), every row (rebuild)."""

    def __init__(self, pool: ConnectionPool[Connection[DictRow]]) -> None:
        self._pool = pool

    def apply(self, listing: Listing) -> bool:
        """Upsert ``listing``'s row unless the row holds this version or a newer one already."""
        with self._pool.connection() as conn:
            return conn.execute(_UPSERT, row_of(listing)).rowcount == 1

    def rebuild(self, listings: Iterable[Listing], *, batch: int = REBUILD_BATCH) -> int:
        """Replace every row with those of ``listings``, in one transaction: readers see the old
        rows or the new ones. The rows are copied (COPY) into a scratch table a batch at a time and
        inserted from there, their tsvectors computed by PostgreSQL. An event applied meanwhile
        waits for the commit, then is applied on top (only if newer), as always.

        After the commit the table is vacuumed and analyzed (:data:`_TIDY`): the old rows are
        dead, the new ones unmarked and the text index's pending list full, so without it the
        first searches pay for that, then autovacuum does the work while they run (measured at
        100,000 rows, the bench's common word right after a rebuild: p95 56.0 ms without it,
        19.7 ms with it)."""
        count = 0
        with self._pool.connection() as conn:
            with conn.transaction():
                count = self._replace(conn, listings, batch)
            conn.autocommit = True  # VACUUM runs outside a transaction
            try:
                conn.execute(_TIDY)
            finally:
                conn.autocommit = False
        return count

    @classmethod
    def _replace(cls, conn: Connection[DictRow], listings: Iterable[Listing], batch: int) -> int:
        count = 0
        conn.execute("LOCK TABLE catalog_search IN SHARE ROW EXCLUSIVE MODE")
        conn.execute("DELETE FROM catalog_search")
        conn.execute(_SCRATCH)
        rows: list[tuple[Any, ...]] = []
        for listing in listings:
            row = row_of(listing)
            rows.append(tuple(row[c] for c in _SCRATCH_COLUMNS))
            if len(rows) == batch:
                count += cls._load(conn, rows)
                rows = []
        if rows:
            count += cls._load(conn, rows)
        return count

    @staticmethod
    def _load(conn: Connection[DictRow], rows: list[tuple[Any, ...]]) -> int:
        with conn.cursor().copy(
            f"COPY catalog_search_load ({', '.join(_SCRATCH_COLUMNS)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute(_FROM_SCRATCH)
        conn.execute("TRUNCATE catalog_search_load")
        return len(rows)

    def rows(self) -> list[dict[str, Any]]:
        """Every row but the time it was written (the live-equals-rebuild test compares them)."""
        with self._pool.connection() as conn:
            columns = _COLUMNS.replace(", document", ", document::text AS document")
            return list(conn.execute(f"SELECT {columns} FROM catalog_search ORDER BY listing_id"))

    def counts(self) -> dict[tuple[str, tuple[str, ...], str], int]:
        """The facet counts the triggers keep (0121), the empty ones left out: (category, its
        path, condition) → active listings."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT category_id, category_path, condition, listings FROM catalog_search_counts "
                "WHERE listings > 0"
            )
            return {
                (r["category_id"], tuple(r["category_path"]), r["condition"]): r["listings"] for r in rows
            }


@dataclass
class _Sql:
    """A WHERE clause being assembled and its parameters."""

    where: list[str] = field(default_factory=lambda: ["s.status = 'active'"])
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> None:
        self.where.append(clause)
        self.params.update(params)

    def clause(self) -> str:
        return " AND ".join(self.where)


def filters(query: SearchQuery, at: datetime) -> _Sql:
    """The WHERE clause of every match of ``query`` (words and filters; no cursor)."""
    sql = _Sql(params={"at": at})
    if query.terms:
        sql.add(
            "s.document @@ plainto_tsquery('simple', %(text)s)",
            text=" ".join(query.terms),
        )
    if query.category_id:
        sql.add("s.category_path @> ARRAY[%(category_id)s]::text[]", category_id=query.category_id)
    if query.condition:
        sql.add("s.condition = %(condition)s", condition=query.condition.value)
    if query.seller_id:
        sql.add("s.seller_id = %(seller_id)s", seller_id=query.seller_id)
    if query.min_price is not None:
        sql.add("s.price_minor >= %(min_price)s", min_price=query.min_price)
    if query.max_price is not None:
        sql.add("s.price_minor <= %(max_price)s", max_price=query.max_price)
    return sql


def _key(cursor: str | None, sort: Sort, shape: tuple[type, ...]) -> list[Any] | None:
    """The cursor's key, checked against its sort's shape (a cursor is opaque, not trusted)."""
    if not cursor:
        return None
    key = decode_cursor(cursor, sort)
    if len(key) != len(shape) or not all(
        isinstance(k, t) and not isinstance(k, bool) for k, t in zip(key, shape, strict=True)
    ):
        raise InvalidCursor("The cursor is not one this API gave out.")
    return key


def keyset_query(query: SearchQuery, at: datetime) -> tuple[str, dict[str, Any]]:
    """The statement of one page under a price or newest sort (ids and the sort key)."""
    sql = filters(query, at)
    if query.sort == Sort.NEWEST:
        key = _key(query.cursor, query.sort, (int, str))
        column, order, op = "s.created_at", "DESC", "<"
        if key is not None:
            key = [from_micros(key[0]), key[1]]
    else:
        key = _key(query.cursor, query.sort, (int, str))
        column = "s.price_minor"
        order, op = ("ASC", ">") if query.sort == Sort.PRICE_ASC else ("DESC", "<")
    if key is not None:
        sql.add(f"({column}, s.listing_id) {op} (%(k0)s, %(k1)s)", k0=key[0], k1=key[1])
    params = sql.params | {"limit": query.limit + 1}
    statement = (
        f"SELECT s.listing_id, {column} AS k FROM catalog_search s WHERE {sql.clause()} "
        f"ORDER BY {column} {order}, s.listing_id {order} LIMIT %(limit)s"
    )
    return statement, params


def relevance_query(
    query: SearchQuery, at: datetime, *, sponsored: bool, after: list[Any] | None, limit: int
) -> tuple[str, dict[str, Any]]:
    """One phase of a relevance page: the sponsored matches, or the others; rank, newest, id."""
    sql = filters(query, at)
    sql.add(_SPONSORED if sponsored else f"NOT coalesce({_SPONSORED}, false)")
    rank = "ts_rank(s.document, plainto_tsquery('simple', %(text)s))" if query.terms else "0::real"
    inner = f"SELECT s.listing_id, s.created_at, {rank} AS rank FROM catalog_search s WHERE {sql.clause()}"
    outer = ""
    params = sql.params | {"limit": limit}
    if after is not None:
        # compared as real, the rank's type: the cursor's float is the real's shortest decimal
        outer = "WHERE (m.rank, m.created_at, m.listing_id) < (%(k0)s::real, %(k1)s, %(k2)s)"
        params |= {"k0": float(after[1]), "k1": from_micros(int(after[2])), "k2": after[3]}
    if not query.terms:
        # no words: every rank is 0, so the order is the newest index's (no rank to compute)
        where = sql.clause()
        if after is not None:
            where += " AND (s.created_at, s.listing_id) < (%(k1)s, %(k2)s)"
        statement = (
            f"SELECT s.listing_id, s.created_at, 0::real AS rank FROM catalog_search s WHERE {where} "
            "ORDER BY s.created_at DESC, s.listing_id DESC LIMIT %(limit)s"
        )
        return statement, params
    statement = (
        f"SELECT m.listing_id, m.created_at, m.rank FROM ({inner}) m {outer} "
        "ORDER BY m.rank DESC, m.created_at DESC, m.listing_id DESC LIMIT %(limit)s"
    )
    return statement, params


def counted_ahead(query: SearchQuery) -> bool:
    """Whether ``query``'s facets are sums of ``catalog_search_counts`` (migration 0121): a browse
    filtered by category and condition at most."""
    return not (query.terms or query.seller_id or query.min_price is not None or query.max_price is not None)


def facets_query(query: SearchQuery, at: datetime) -> tuple[str, dict[str, Any]]:
    """Counts of every match by category and by condition, in one statement: summed from the
    counts the triggers keep for a browse (:func:`counted_ahead`), else counted over the matches."""
    if counted_ahead(query):
        where, params = ["c.listings > 0"], {}
        if query.category_id:
            where.append("c.category_path @> ARRAY[%(category_id)s]::text[]")
            params["category_id"] = query.category_id
        if query.condition:
            where.append("c.condition = %(condition)s")
            params["condition"] = query.condition.value
        statement = (
            "SELECT c.category_id, c.condition, sum(c.listings) AS n FROM catalog_search_counts c "
            f"WHERE {' AND '.join(where)} GROUP BY GROUPING SETS ((c.category_id), (c.condition))"
        )
        return statement, params
    sql = filters(query, at)
    statement = (
        f"SELECT s.category_id, s.condition, count(*) AS n FROM catalog_search s WHERE {sql.clause()} "
        "GROUP BY GROUPING SETS ((s.category_id), (s.condition))"
    )
    return statement, sql.params


class PostgresListingSearch(PooledReads):
    """Implements ``workflows.catalog.ports.ListingSearch``."""

    def __init__(
        self,
        pool: ConnectionPool[Connection[DictRow]],
        hydrate: Callable[[Iterable[str]], list[Listing]],
        *,
        timeout_s: float = 5.0,
    ) -> None:
        super().__init__(pool, timeout_s=timeout_s)
        self._hydrate = hydrate

    def search(self, query: SearchQuery, at: datetime, *, facets: bool) -> SearchPage:
        def work(conn: Connection[DictRow]) -> tuple[list[str], str | None, Facets | None]:
            if query.sort == Sort.RELEVANCE:
                ids, next_cursor = self._relevance(conn, query, at)
            else:
                ids, next_cursor = self._keyset(conn, query, at)
            return ids, next_cursor, self._facets(conn, query, at) if facets else None

        ids, next_cursor, counted = self._read(work)
        by_id = {x.id: x for x in self._hydrate(ids)}
        return SearchPage([by_id[i] for i in ids if i in by_id], next_cursor, counted)

    @staticmethod
    def _keyset(conn: Connection[DictRow], query: SearchQuery, at: datetime) -> tuple[list[str], str | None]:
        statement, params = keyset_query(query, at)
        rows = conn.execute(statement, params, prepare=False).fetchall()
        page = rows[: query.limit]
        next_cursor = None
        if len(rows) > query.limit:
            last = page[-1]
            k = micros(last["k"]) if query.sort == Sort.NEWEST else int(last["k"])
            next_cursor = encode_cursor(query.sort, [k, last["listing_id"]])
        return [r["listing_id"] for r in page], next_cursor

    @staticmethod
    def _relevance(
        conn: Connection[DictRow], query: SearchQuery, at: datetime
    ) -> tuple[list[str], str | None]:
        after = _key(query.cursor, query.sort, (int, float | int, int, str))  # type: ignore[arg-type]
        wanted = query.limit + 1
        found: list[tuple[int, DictRow]] = []
        if after is None or after[0] == 1:
            statement, params = relevance_query(query, at, sponsored=True, after=after, limit=wanted)
            found += [(1, r) for r in conn.execute(statement, params, prepare=False)]
            after = None
        if len(found) < wanted:
            statement, params = relevance_query(
                query, at, sponsored=False, after=after, limit=wanted - len(found)
            )
            found += [(0, r) for r in conn.execute(statement, params, prepare=False)]
        page = found[: query.limit]
        next_cursor = None
        if len(found) > query.limit:
            phase, last = page[-1]
            key = [phase, float(last["rank"]), micros(last["created_at"]), last["listing_id"]]
            next_cursor = encode_cursor(query.sort, key)
        return [r["listing_id"] for _, r in page], next_cursor

    @staticmethod
    def _facets(conn: Connection[DictRow], query: SearchQuery, at: datetime) -> Facets:
        statement, params = facets_query(query, at)
        categories: dict[str, int] = {}
        conditions: dict[str, int] = {}
        for row in conn.execute(statement, params, prepare=False):
            if row["category_id"] is not None:
                categories[row["category_id"]] = int(row["n"])
            elif row["condition"] is not None:
                conditions[row["condition"]] = int(row["n"])
        return Facets(categories=categories, conditions=conditions)

    def active_deals(self, at: datetime, limit: int, after: tuple[int, str] | None) -> list[Listing]:
        """Listings whose deal is in effect at ``at``: priority high to low, then listing id."""
        where = "s.status = 'active' AND s.deal_priority IS NOT NULL AND s.deal_starts_at <= %(at)s "
        where += "AND %(at)s < s.deal_ends_at"
        params: dict[str, Any] = {"at": at, "limit": limit}
        if after is not None:
            # priority descending, id ascending: past (p, id) is a lower priority, or p and a later id
            where += " AND (s.deal_priority < %(p)s OR (s.deal_priority = %(p)s AND s.listing_id > %(id)s))"
            params |= {"p": after[0], "id": after[1]}
        statement = (
            f"SELECT s.listing_id FROM catalog_search s WHERE {where} "
            "ORDER BY s.deal_priority DESC, s.listing_id ASC LIMIT %(limit)s"
        )
        ids = self._read(
            lambda conn: [r["listing_id"] for r in conn.execute(statement, params, prepare=False)]
        )
        by_id = {x.id: x for x in self._hydrate(ids)}
        return [by_id[i] for i in ids if i in by_id]
