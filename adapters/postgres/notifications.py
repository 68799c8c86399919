"""PostgreSQL for notifications: the delivery log, the preferences and the recipients' profiles.

Implements the ports of ``workflows.notifications.ports``. Every statement is parameterized;
each method is one short transaction on a pooled connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from psycopg import errors

from workflows.accounts.errors import ProfileNotFound
from workflows.notifications.ports import Delivery, RecipientProfile

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.notifications.model import Category, Channel, Notification


_CLAIM = """
INSERT INTO notification_deliveries AS d
    (notification_id, channel, type, category, user_id, recipient, status, provider,
     attempts, last_error, reference, created_at, updated_at)
VALUES
    (%(notification_id)s, %(channel)s, %(type)s, %(category)s, %(user_id)s, %(recipient)s,
     %(status)s, %(provider)s, %(attempts)s, %(reason)s, %(reference)s, %(now)s, %(now)s)
ON CONFLICT (notification_id, channel) DO UPDATE SET
    status = EXCLUDED.status,
    recipient = EXCLUDED.recipient,
    provider = EXCLUDED.provider,
    provider_message_id = NULL,
    attempts = d.attempts + EXCLUDED.attempts,
    last_error = EXCLUDED.last_error,
    updated_at = EXCLUDED.updated_at
WHERE d.status = 'failed' OR (d.status = 'sending' AND d.updated_at < %(stale_before)s)
RETURNING d.attempts
"""

_SENT = """
UPDATE notification_deliveries
SET status = 'sent', provider_message_id = %(provider_message_id)s, last_error = NULL, updated_at = %(now)s
WHERE notification_id = %(notification_id)s AND channel = %(channel)s
"""

_FAILED = """
UPDATE notification_deliveries
SET status = 'failed', last_error = %(error)s, updated_at = %(now)s
WHERE notification_id = %(notification_id)s AND channel = %(channel)s AND status <> 'sent'
"""

_FIND = """
SELECT notification_id, channel, type, category, user_id, recipient, status, provider,
       provider_message_id, attempts, last_error, created_at, updated_at
FROM notification_deliveries
WHERE notification_id = %(notification_id)s AND channel = %(channel)s
"""


class PostgresDeliveryLog:
    """Implements ``DeliveryLog`` on ``notification_deliveries``."""

    def __init__(self, pool: ConnectionPool[Connection[DictRow]]) -> None:
        self._pool = pool

    def claim(
        self,
        notification: Notification,
        channel: Channel,
        *,
        recipient: str | None,
        provider: str | None,
        status: Literal["sending", "skipped"],
        reason: str | None,
        now: datetime,
        stale_before: datetime,
    ) -> bool:
        params = {
            "notification_id": notification.notification_id,
            "channel": channel,
            "type": notification.type,
            "category": notification.category,
            "user_id": notification.user_id,
            "recipient": recipient,
            "status": status,
            "provider": provider,
            "attempts": 1 if status == "sending" else 0,
            "reason": reason,
            "reference": notification.reference,
            "now": now,
            "stale_before": stale_before,
        }
        with self._pool.connection() as conn:
            return conn.execute(_CLAIM, params).fetchone() is not None

    def mark_sent(
        self, notification_id: str, channel: Channel, provider_message_id: str, now: datetime
    ) -> None:
        params = {
            "notification_id": notification_id,
            "channel": channel,
            "provider_message_id": provider_message_id,
            "now": now,
        }
        with self._pool.connection() as conn:
            conn.execute(_SENT, params)

    def mark_failed(self, notification_id: str, channel: Channel, error: str, now: datetime) -> None:
        params = {"notification_id": notification_id, "channel": channel, "error": error, "now": now}
        with self._pool.connection() as conn:
            conn.execute(_FAILED, params)

    def find(self, notification_id: str, channel: Channel) -> Delivery | None:
        with self._pool.connection() as conn:
            row = conn.execute(_FIND, {"notification_id": notification_id, "channel": channel}).fetchone()
        return Delivery(**row) if row else None


_LOAD_PREFERENCES = """
SELECT category, channel, enabled FROM notification_preferences WHERE user_id = %(user_id)s
"""

_SAVE_PREFERENCE = """
INSERT INTO notification_preferences AS p (user_id, category, channel, enabled, created_at, updated_at)
VALUES (%(user_id)s, %(category)s, %(channel)s, %(enabled)s, %(now)s, %(now)s)
ON CONFLICT (user_id, category, channel) DO UPDATE
SET enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at
WHERE p.enabled IS DISTINCT FROM EXCLUDED.enabled
"""


class PostgresPreferenceStore:
    """Implements ``PreferenceStore`` on ``notification_preferences`` (only what users chose)."""

    def __init__(self, pool: ConnectionPool[Connection[DictRow]]) -> None:
        self._pool = pool

    def load(self, user_id: str) -> dict[tuple[Category, Channel], bool]:
        with self._pool.connection() as conn:
            rows = conn.execute(_LOAD_PREFERENCES, {"user_id": user_id}).fetchall()
        return {(row["category"], row["channel"]): bool(row["enabled"]) for row in rows}

    def save(self, user_id: str, choices: Mapping[tuple[Category, Channel], bool], now: datetime) -> None:
        rows = [
            {"user_id": user_id, "category": category, "channel": channel, "enabled": enabled, "now": now}
            for (category, channel), enabled in sorted(choices.items())
        ]
        try:
            with self._pool.connection() as conn, conn.cursor() as cursor:
                cursor.executemany(_SAVE_PREFERENCE, rows)
        except errors.ForeignKeyViolation:
            raise ProfileNotFound(
                "There is no profile for this account yet; finish signing up first."
            ) from None


_PROFILE = """
SELECT user_id, email, name, phone, phone_verified FROM users WHERE user_id = %(user_id)s
"""


class PostgresRecipientDirectory:
    """Implements ``RecipientDirectory`` on ``users``."""

    def __init__(self, pool: ConnectionPool[Connection[DictRow]]) -> None:
        self._pool = pool

    def profile(self, user_id: str) -> RecipientProfile | None:
        with self._pool.connection() as conn:
            row = conn.execute(_PROFILE, {"user_id": user_id}).fetchone()
        if row is None:
            return None
        return RecipientProfile(
            user_id=row["user_id"],
            email=str(row["email"]),
            name=row["name"],
            phone=row["phone"],
            phone_verified=bool(row["phone_verified"]),
        )
