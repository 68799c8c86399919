"""Feedback in PostgreSQL (migrations 0090 and 0091).

- :class:`PostgresFeedbackStore` and :func:`store_factory`: feedback and windows on one transaction;
- :class:`PostgresFeedbackReads`: the pending list, a member's public feedback, a member;
- :class:`PostgresProfileProjection`: the public profile's read model (``seller_profile*``), kept
  by the projection's consumer and rebuilt from ``feedback`` and the orders by one set of
  statements of its own (``rebuild``), so that the equality test compares two computations.

What the f-strings put in a query is constant (column lists, a lock clause, a table of
``_PROFILE_TABLES``); every value is a bound parameter, hence the file's ``noqa: S608``.
"""

# ruff: noqa: S608

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from adapters.postgres.ledger import unit_of_work
from adapters.postgres.repository import PooledReads, Repository
from workflows.feedback.model import Feedback, FeedbackWindow, Ratings, week_of
from workflows.feedback.ports import DeliveredOrder, Member, PendingRow, ProfileFigures
from workflows.feedback.projection import DayBucket

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.feedback.model import SubjectRole

_FEEDBACK = (
    "feedback_id, order_id, author_id, subject_id, subject_role, overall, comment, item_as_described, "
    "communication, shipping_time, shipping_cost, left_at, revealed_at, reply, replied_at, removed_at, "
    "removal_reason, idempotency_key, request_hash"
)
_WINDOW = (
    "order_id, buyer_id, seller_id, delivered_at, remind_at, reveal_at, closes_at, reminded_at, revealed_at"
)
#: the title an order is known by in notifications and the pending list (its first line's)
_TITLE = "(SELECT i.title FROM order_items i WHERE i.order_id = o.order_id ORDER BY i.listing_id LIMIT 1)"


def _feedback(row: DictRow) -> Feedback:
    stars = (row["item_as_described"], row["communication"], row["shipping_time"], row["shipping_cost"])
    return Feedback(
        feedback_id=row["feedback_id"],
        order_id=row["order_id"],
        author_id=row["author_id"],
        subject_id=row["subject_id"],
        subject_role=row["subject_role"],
        overall=row["overall"],
        comment=row["comment"],
        ratings=Ratings(*(int(s) for s in stars)) if all(s is not None for s in stars) else None,
        left_at=row["left_at"],
        revealed_at=row["revealed_at"],
        reply=row["reply"],
        replied_at=row["replied_at"],
        removed_at=row["removed_at"],
        removal_reason=row["removal_reason"],
        idempotency_key=row["idempotency_key"],
        request_hash=row["request_hash"],
    )


def _window(row: DictRow) -> FeedbackWindow:
    return FeedbackWindow(**{key: row[key] for key in _WINDOW.split(", ")})


class PostgresFeedbackStore(Repository):
    """``workflows.feedback.ports.FeedbackStore`` on the caller's transaction."""

    def order(self, order_id: str) -> DeliveredOrder | None:
        row = self._execute(
            f"SELECT o.order_id, o.buyer_id, o.seller_id, o.status, s.delivered_at, {_TITLE} AS title "
            "FROM orders o LEFT JOIN shipments s ON s.order_id = o.order_id WHERE o.order_id = %s",
            (order_id,),
        ).fetchone()
        if row is None:
            return None
        return DeliveredOrder(
            order_id=row["order_id"],
            buyer_id=row["buyer_id"],
            seller_id=row["seller_id"],
            status=row["status"],
            delivered_at=row["delivered_at"],
            title=row["title"] or row["order_id"],
        )

    def open_window(self, window: FeedbackWindow) -> FeedbackWindow:
        self._execute(
            f"INSERT INTO feedback_windows ({_WINDOW}) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, NULL, NULL) ON CONFLICT (order_id) DO NOTHING",
            (
                window.order_id,
                window.buyer_id,
                window.seller_id,
                window.delivered_at,
                window.remind_at,
                window.reveal_at,
                window.closes_at,
            ),
        )
        stored = self.window(window.order_id, for_update=True)
        assert stored is not None
        return stored

    def window(self, order_id: str, *, for_update: bool = False) -> FeedbackWindow | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_WINDOW} FROM feedback_windows WHERE order_id = %s{lock}", (order_id,)
        ).fetchone()
        return _window(row) if row else None

    def of_order(self, order_id: str) -> list[Feedback]:
        rows = self._execute(
            f"SELECT {_FEEDBACK} FROM feedback WHERE order_id = %s ORDER BY subject_role", (order_id,)
        ).fetchall()
        return [_feedback(r) for r in rows]

    def get(self, feedback_id: str, *, for_update: bool = False) -> Feedback | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_FEEDBACK} FROM feedback WHERE feedback_id = %s{lock}", (feedback_id,)
        ).fetchone()
        return _feedback(row) if row else None

    def add(self, feedback: Feedback) -> None:
        stars = feedback.ratings.as_tuple() if feedback.ratings else (None, None, None, None)
        self._execute(
            "INSERT INTO feedback (feedback_id, order_id, author_id, subject_id, subject_role, overall, "
            "comment, item_as_described, communication, shipping_time, shipping_cost, left_at, revealed_at, "
            "idempotency_key, request_hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                feedback.feedback_id,
                feedback.order_id,
                feedback.author_id,
                feedback.subject_id,
                feedback.subject_role,
                feedback.overall,
                feedback.comment,
                *stars,
                feedback.left_at,
                feedback.revealed_at,
                feedback.idempotency_key,
                feedback.request_hash,
            ),
        )

    def reveal(self, order_id: str, at: datetime) -> list[Feedback]:
        self._execute(
            "UPDATE feedback_windows SET revealed_at = %s WHERE order_id = %s AND revealed_at IS NULL",
            (at, order_id),
        )
        rows = self._execute(
            f"UPDATE feedback SET revealed_at = %s WHERE order_id = %s AND revealed_at IS NULL "
            f"RETURNING {_FEEDBACK}",
            (at, order_id),
        ).fetchall()
        return [_feedback(r) for r in rows]

    def mark_reminded(self, order_id: str, at: datetime) -> None:
        self._execute(
            "UPDATE feedback_windows SET reminded_at = %s WHERE order_id = %s AND reminded_at IS NULL",
            (at, order_id),
        )

    def set_reply(self, feedback_id: str, body: str, at: datetime) -> None:
        self._execute(
            "UPDATE feedback SET reply = %s, replied_at = %s WHERE feedback_id = %s AND reply IS NULL",
            (body, at, feedback_id),
        )

    def remove(self, feedback_id: str, *, by: str, reason: str, at: datetime) -> None:
        self._execute(
            "UPDATE feedback SET removed_at = %s, removed_by = %s, removal_reason = %s "
            "WHERE feedback_id = %s AND removed_at IS NULL",
            (at, by, reason, feedback_id),
        )


def store_factory(
    pool: ConnectionPool[Connection[DictRow]],
) -> Callable[[], AbstractContextManager[PostgresFeedbackStore]]:
    """``workflows.feedback.ports.StoreFactory``: one connection and one transaction per block."""

    @contextmanager
    def store() -> Iterator[PostgresFeedbackStore]:
        with unit_of_work(pool) as conn:
            yield PostgresFeedbackStore(conn)

    return store


class PostgresFeedbackReads(PooledReads):
    """``workflows.feedback.ports.FeedbackReads``."""

    def pending(
        self, user_id: str, now: datetime, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[PendingRow]:
        after_at, after_id = after or (datetime(1970, 1, 1, tzinfo=UTC), "")

        def work(conn: Connection[DictRow]) -> list[PendingRow]:
            rows = conn.execute(
                f"SELECT w.order_id, w.buyer_id, w.seller_id, w.delivered_at, w.closes_at, {_TITLE} AS title "
                "FROM feedback_windows w JOIN orders o ON o.order_id = w.order_id "
                "WHERE (w.buyer_id = %(u)s OR w.seller_id = %(u)s) AND w.closes_at > %(now)s "
                "AND o.status NOT IN ('cancelled', 'refunded') "
                "AND NOT EXISTS (SELECT 1 FROM feedback f "
                "WHERE f.order_id = w.order_id AND f.author_id = %(u)s) "
                "AND (w.closes_at, w.order_id) > (%(at)s, %(id)s) "
                "ORDER BY w.closes_at, w.order_id LIMIT %(limit)s",
                {"u": user_id, "now": now, "at": after_at, "id": after_id, "limit": limit},
            ).fetchall()
            return [
                PendingRow(
                    order_id=r["order_id"],
                    role="seller" if r["buyer_id"] == user_id else "buyer",
                    counterpart_id=r["seller_id"] if r["buyer_id"] == user_id else r["buyer_id"],
                    title=r["title"] or r["order_id"],
                    delivered_at=r["delivered_at"],
                    closes_at=r["closes_at"],
                )
                for r in rows
            ]

        return self._read(work)

    def revealed_about(
        self, subject_id: str, role: SubjectRole | None, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[Feedback]:
        where = "subject_id = %(s)s AND revealed_at IS NOT NULL AND removed_at IS NULL"
        if role is not None:
            where += " AND subject_role = %(role)s"
        if after is not None:
            where += " AND (revealed_at, feedback_id) < (%(at)s, %(id)s)"
        params: dict[str, Any] = {"s": subject_id, "role": role, "limit": limit}
        if after is not None:
            params |= {"at": after[0], "id": after[1]}

        def work(conn: Connection[DictRow]) -> list[Feedback]:
            rows = conn.execute(
                f"SELECT {_FEEDBACK} FROM feedback WHERE {where} "
                "ORDER BY revealed_at DESC, feedback_id DESC LIMIT %(limit)s",
                params,
            ).fetchall()
            return [_feedback(r) for r in rows]

        return self._read(work)

    def member(self, user_id: str) -> Member | None:
        def work(conn: Connection[DictRow]) -> Member | None:
            row = conn.execute(
                "SELECT user_id, name, created_at FROM users WHERE user_id = %s", (user_id,)
            ).fetchone()
            if row is None:
                return None
            name = row["name"] or f"member {row['user_id'][:8]}"
            return Member(user_id=row["user_id"], display_name=name, member_since=row["created_at"])

        return self._read(work)


# -- the public profile's projection -------------------------------------------------------------

_RATINGS = ("item_as_described", "communication", "shipping_time", "shipping_cost")
_DAY_COLUMNS = ("positive", "neutral", "negative", "rated", *_RATINGS)
#: a member's day buckets summed between the windows' first days (at most one row per window):
#: each sum is dated by its window's first day, so it lies inside a window exactly when its days do
_BUCKETS = (
    "SELECT (SELECT max(s) FROM unnest(%(starts)s::date[]) AS s WHERE s <= d.day) AS start, "
    + ", ".join(f"sum(d.{c}) AS {c}" for c in _DAY_COLUMNS)
    + " FROM seller_profile_days d WHERE d.user_id = {member} AND d.day >= %(since)s GROUP BY 1 ORDER BY 1"
)


def _bucket_params(user_id: str, windows: tuple[date, ...]) -> dict[str, object]:
    return {"user_id": user_id, "starts": sorted(windows), "since": min(windows)}


_PROFILE_TABLES: dict[str, tuple[str, str]] = {
    # table: (the member's column, the order of its rows)
    "seller_profiles": ("user_id", "user_id"),
    "seller_profile_days": ("user_id", "user_id, day"),
    "seller_profile_rater_weeks": ("user_id", "user_id, rater_id, week"),
    "seller_profile_counted": ("user_id", "feedback_id"),
    "seller_profile_orders": ("seller_id", "order_id"),
}


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


class PostgresProfileProjection(PooledReads):
    """``workflows.feedback.ports.ProfileProjection``: each change in one transaction."""

    @contextmanager
    def _tx(self) -> Iterator[Connection[DictRow]]:
        with unit_of_work(self._pool) as conn:
            yield conn

    @staticmethod
    def _first_time(conn: Connection[DictRow], event_id: str) -> bool:
        return (
            conn.execute(
                "INSERT INTO seller_profile_events (event_id) VALUES (%s) ON CONFLICT DO NOTHING "
                "RETURNING event_id",
                (event_id,),
            ).fetchone()
            is not None
        )

    @staticmethod
    def _ensure_member(conn: Connection[DictRow], user_id: str) -> None:
        conn.execute(
            "INSERT INTO seller_profiles (user_id) VALUES (%s) ON CONFLICT (user_id) DO NOTHING", (user_id,)
        )

    def sync_feedback(self, feedback_id: str, event_id: str) -> str | None:
        with self._tx() as conn:
            if not self._first_time(conn, event_id):
                return None
            # the feedback's row is the truth: what the event says only tells us where to look
            row = conn.execute(
                "SELECT feedback_id, subject_id, author_id, overall, left_at, revealed_at, removed_at, "
                "item_as_described, communication, shipping_time, shipping_cost "
                "FROM feedback WHERE feedback_id = %s FOR UPDATE",
                (feedback_id,),
            ).fetchone()
            if row is None:
                return None
            self._ensure_member(conn, row["subject_id"])
            counts = row["revealed_at"] is not None and row["removed_at"] is None
            counted = conn.execute(
                "SELECT * FROM seller_profile_counted WHERE feedback_id = %s", (feedback_id,)
            ).fetchone()
            if counts and counted is None:
                self._add(conn, row)
                return str(row["subject_id"])
            if not counts and counted is not None:
                self._subtract(conn, counted)
                return str(row["subject_id"])
            return None

    def _add(self, conn: Connection[DictRow], row: DictRow) -> None:
        user, rater, overall = row["subject_id"], row["author_id"], row["overall"]
        day = _utc_day(row["left_at"])
        stars = [row[name] for name in _RATINGS]
        rated = all(s is not None for s in stars)
        conn.execute(
            "INSERT INTO seller_profile_counted (feedback_id, user_id, rater_id, day, overall, "
            "item_as_described, communication, shipping_time, shipping_cost) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (row["feedback_id"], user, rater, day, overall, *stars),
        )
        one = {name: int(overall == name) for name in ("positive", "neutral", "negative")}
        sums = [int(s) if rated else 0 for s in stars]
        conn.execute(
            "INSERT INTO seller_profile_days AS d (user_id, day, positive, neutral, negative, rated, "
            "item_as_described, communication, shipping_time, shipping_cost) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, day) DO UPDATE SET "
            + ", ".join(f"{c} = d.{c} + EXCLUDED.{c}" for c in _DAY_COLUMNS),
            (user, day, one["positive"], one["neutral"], one["negative"], int(rated), *sums),
        )
        score = 0
        if overall != "neutral":
            week = conn.execute(
                "INSERT INTO seller_profile_rater_weeks AS w (user_id, rater_id, week, positives, negatives) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, rater_id, week) DO UPDATE SET "
                "positives = w.positives + EXCLUDED.positives, negatives = w.negatives + EXCLUDED.negatives "
                "RETURNING positives, negatives",
                (user, rater, week_of(day), one["positive"], one["negative"]),
            ).fetchone()
            assert week is not None
            # the rater's first positive (negative) of the week counts; a repeat does not
            if overall == "positive" and week["positives"] == 1:
                score = 1
            if overall == "negative" and week["negatives"] == 1:
                score = -1
        conn.execute(
            "UPDATE seller_profiles SET score = score + %s, positive = positive + %s, "
            "neutral = neutral + %s, negative = negative + %s WHERE user_id = %s",
            (score, one["positive"], one["neutral"], one["negative"], user),
        )

    def _subtract(self, conn: Connection[DictRow], counted: DictRow) -> None:
        user, rater, overall, day = (
            counted["user_id"],
            counted["rater_id"],
            counted["overall"],
            counted["day"],
        )
        stars = [counted[name] for name in _RATINGS]
        rated = all(s is not None for s in stars)
        conn.execute("DELETE FROM seller_profile_counted WHERE feedback_id = %s", (counted["feedback_id"],))
        one = {name: int(overall == name) for name in ("positive", "neutral", "negative")}
        sums = [int(s) if rated else 0 for s in stars]
        conn.execute(
            "UPDATE seller_profile_days SET "
            + ", ".join(f"{c} = {c} - %s" for c in _DAY_COLUMNS)
            + " WHERE user_id = %s AND day = %s",
            (one["positive"], one["neutral"], one["negative"], int(rated), *sums, user, day),
        )
        conn.execute(
            "DELETE FROM seller_profile_days WHERE user_id = %s AND day = %s "
            "AND positive = 0 AND neutral = 0 AND negative = 0",
            (user, day),
        )
        score = 0
        if overall != "neutral":
            week = conn.execute(
                "UPDATE seller_profile_rater_weeks "
                "SET positives = positives - %s, negatives = negatives - %s "
                "WHERE user_id = %s AND rater_id = %s AND week = %s RETURNING positives, negatives",
                (one["positive"], one["negative"], user, rater, week_of(day)),
            ).fetchone()
            assert week is not None
            if overall == "positive" and week["positives"] == 0:
                score = -1
            if overall == "negative" and week["negatives"] == 0:
                score = 1
            conn.execute(
                "DELETE FROM seller_profile_rater_weeks WHERE user_id = %s AND rater_id = %s AND week = %s "
                "AND positives = 0 AND negatives = 0",
                (user, rater, week_of(day)),
            )
        conn.execute(
            "UPDATE seller_profiles SET score = score + %s, positive = positive - %s, "
            "neutral = neutral - %s, negative = negative - %s WHERE user_id = %s",
            (score, one["positive"], one["neutral"], one["negative"], user),
        )

    def record_delivery(self, event_id: str, order_id: str, seller_id: str, items: int) -> bool:
        with self._tx() as conn:
            self._first_time(conn, event_id)
            counted = conn.execute(
                "INSERT INTO seller_profile_orders (order_id, seller_id, items) VALUES (%s, %s, %s) "
                "ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
                (order_id, seller_id, items),
            ).fetchone()
            if counted is None:
                return False
            self._ensure_member(conn, seller_id)
            conn.execute(
                "UPDATE seller_profiles SET items_sold = items_sold + %s WHERE user_id = %s",
                (items, seller_id),
            )
            return True

    def figures(self, user_id: str, windows: tuple[date, ...]) -> ProfileFigures | None:
        def work(conn: Connection[DictRow]) -> ProfileFigures | None:
            totals = conn.execute(
                "SELECT score, positive, neutral, negative, items_sold FROM seller_profiles "
                "WHERE user_id = %s",
                (user_id,),
            ).fetchone()
            if totals is None:
                return None
            buckets = _BUCKETS.format(member="%(user_id)s")
            days = conn.execute(buckets, _bucket_params(user_id, windows)).fetchall()
            return ProfileFigures(
                score=int(totals["score"]),
                positive=int(totals["positive"]),
                neutral=int(totals["neutral"]),
                negative=int(totals["negative"]),
                items_sold=int(totals["items_sold"]),
                days=tuple(DayBucket(row["start"], *(int(row[c]) for c in _DAY_COLUMNS)) for row in days),
            )

        return self._read(work)

    def member_figures(
        self, user_id: str, windows: tuple[date, ...]
    ) -> tuple[Member, ProfileFigures | None] | None:
        """The member and their figures in one statement (the public profile's read: one round trip)."""

        def work(conn: Connection[DictRow]) -> tuple[Member, ProfileFigures | None] | None:
            row = conn.execute(
                "SELECT u.user_id, u.name, u.created_at, p.score, p.positive, p.neutral, p.negative, "
                "p.items_sold, (SELECT coalesce(json_agg(json_build_array(b.start, "
                + ", ".join(f"b.{c}" for c in _DAY_COLUMNS)
                + ") ORDER BY b.start), '[]') FROM ("
                + _BUCKETS.format(member="u.user_id")
                + ") b WHERE p.user_id IS NOT NULL) AS days "
                "FROM users u LEFT JOIN seller_profiles p ON p.user_id = u.user_id "
                "WHERE u.user_id = %(user_id)s",
                _bucket_params(user_id, windows),
            ).fetchone()
            if row is None:
                return None
            member = Member(
                user_id=row["user_id"],
                display_name=row["name"] or f"member {row['user_id'][:8]}",
                member_since=row["created_at"],
            )
            if row["score"] is None:
                return member, None
            days = tuple(DayBucket(date.fromisoformat(d[0]), *(int(v) for v in d[1:])) for d in row["days"])
            return member, ProfileFigures(
                score=int(row["score"]),
                positive=int(row["positive"]),
                neutral=int(row["neutral"]),
                negative=int(row["negative"]),
                items_sold=int(row["items_sold"]),
                days=days,
            )

        return self._read(work)

    def rebuild(self) -> int:
        """Every projection table recomputed from ``feedback`` and the delivered orders, set-based."""
        with self._tx() as conn:
            conn.execute(
                "TRUNCATE seller_profile_counted, seller_profile_days, seller_profile_rater_weeks, "
                "seller_profile_orders, seller_profiles"
            )
            conn.execute(
                "INSERT INTO seller_profile_counted (feedback_id, user_id, rater_id, day, overall, "
                "item_as_described, communication, shipping_time, shipping_cost) "
                "SELECT feedback_id, subject_id, author_id, (left_at AT TIME ZONE 'UTC')::date, overall, "
                "item_as_described, communication, shipping_time, shipping_cost FROM feedback "
                "WHERE revealed_at IS NOT NULL AND removed_at IS NULL"
            )
            conn.execute(
                "INSERT INTO seller_profile_days (user_id, day, positive, neutral, negative, rated, "
                "item_as_described, communication, shipping_time, shipping_cost) "
                "SELECT user_id, day, count(*) FILTER (WHERE overall = 'positive'), "
                "count(*) FILTER (WHERE overall = 'neutral'), count(*) FILTER (WHERE overall = 'negative'), "
                "count(item_as_described), coalesce(sum(item_as_described), 0), "
                "coalesce(sum(communication), 0), "
                "coalesce(sum(shipping_time), 0), coalesce(sum(shipping_cost), 0) "
                "FROM seller_profile_counted GROUP BY user_id, day"
            )
            conn.execute(
                "INSERT INTO seller_profile_rater_weeks (user_id, rater_id, week, positives, negatives) "
                "SELECT user_id, rater_id, date_trunc('week', day)::date, "
                "count(*) FILTER (WHERE overall = 'positive'), count(*) FILTER (WHERE overall = 'negative') "
                "FROM seller_profile_counted WHERE overall <> 'neutral' GROUP BY 1, 2, 3"
            )
            conn.execute(
                "INSERT INTO seller_profile_orders (order_id, seller_id, items) "
                "SELECT o.order_id, o.seller_id, sum(i.quantity) FROM orders o "
                "JOIN shipments s ON s.order_id = o.order_id AND s.delivered_at IS NOT NULL "
                "JOIN order_items i ON i.order_id = o.order_id GROUP BY o.order_id, o.seller_id"
            )
            done = conn.execute(
                "INSERT INTO seller_profiles (user_id, score, positive, neutral, negative, items_sold) "
                "SELECT m.user_id, coalesce(w.score, 0), coalesce(c.positive, 0), coalesce(c.neutral, 0), "
                "coalesce(c.negative, 0), coalesce(s.items, 0) "
                "FROM (SELECT subject_id AS user_id FROM feedback "
                "  UNION SELECT seller_id FROM seller_profile_orders) m "
                "LEFT JOIN (SELECT user_id, count(*) FILTER (WHERE positives > 0) "
                "  - count(*) FILTER (WHERE negatives > 0) AS score "
                "  FROM seller_profile_rater_weeks GROUP BY user_id) w ON w.user_id = m.user_id "
                "LEFT JOIN (SELECT user_id, count(*) FILTER (WHERE overall = 'positive') AS positive, "
                "  count(*) FILTER (WHERE overall = 'neutral') AS neutral, "
                "  count(*) FILTER (WHERE overall = 'negative') AS negative "
                "  FROM seller_profile_counted GROUP BY user_id) c ON c.user_id = m.user_id "
                "LEFT JOIN (SELECT seller_id, sum(items) AS items FROM seller_profile_orders "
                "  GROUP BY seller_id) s "
                "  ON s.seller_id = m.user_id"
            )
            return done.rowcount

    def snapshot(self, user_ids: list[str]) -> dict[str, Any]:
        def work(conn: Connection[DictRow]) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for table, (member, order) in _PROFILE_TABLES.items():
                rows = conn.execute(
                    f"SELECT * FROM {table} WHERE {member} = ANY(%s) ORDER BY {order}", (user_ids,)
                ).fetchall()
                found[table] = [dict(r) for r in rows]
            return found

        return self._read(work)
