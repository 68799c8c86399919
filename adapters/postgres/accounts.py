"""Accounts in PostgreSQL: users, addresses and email confirmation codes, one transaction per unit.

(The f-strings below only splice in the constant column lists and ``FOR UPDATE``; every value
is a bound parameter, hence the ``noqa: S608``.)

Implements ``workflows.accounts.ports.UnitOfWork`` and its repositories with parameterized SQL.
A unit of work takes one pooled connection, and rolls back whatever was not committed before
the connection goes back to the pool.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus
from psycopg_pool import PoolTimeout

from adapters.postgres.repository import Repository
from workflows.accounts.errors import EmailTaken, ProfileEmailConflict
from workflows.accounts.model import AddressRecord, ConfirmationRecord, UserRecord
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from datetime import datetime
    from types import TracebackType

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

_USER_COLUMNS = (
    "user_id, email::text AS email, name, phone, phone_verified, seller_status, stripe_customer_id"
)
_ADDRESS_COLUMNS = (
    "address_id, user_id, name, line1, line2, city, region, postal_code, country, phone, is_default, "
    "created_at, updated_at"
)
_CONFIRMATION_COLUMNS = (
    "user_id, code_hash, salt, generation, expires_at, failed_attempts, window_started_at, "
    "sends_in_window, confirmed_at"
)


def _user(row: DictRow) -> UserRecord:
    return UserRecord(
        user_id=row["user_id"],
        email=row["email"],
        name=row["name"],
        phone=row["phone"],
        phone_verified=row["phone_verified"],
        seller_status=row["seller_status"],
        stripe_customer_id=row["stripe_customer_id"],
    )


class PostgresUsers(Repository):
    def add(self, user: UserRecord) -> None:
        try:
            self._execute(
                "INSERT INTO users (user_id, email, name, phone) VALUES (%s, %s, %s, %s)",
                (user.user_id, user.email, user.name, user.phone),
            )
        except pg_errors.UniqueViolation as exc:
            raise EmailTaken("An account with this email address exists.") from exc

    def ensure(self, user: UserRecord) -> None:
        try:
            self._execute(
                "INSERT INTO users (user_id, email, name, phone) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (user_id) DO NOTHING",
                (user.user_id, user.email, user.name, user.phone),
            )
        except pg_errors.UniqueViolation as exc:
            raise ProfileEmailConflict("Another profile holds this email address.") from exc

    def get(self, user_id: str, *, for_update: bool = False) -> UserRecord | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = %s{lock}",  # noqa: S608
            (user_id,),
        ).fetchone()
        return _user(row) if row else None

    def get_by_email(self, email: str, *, for_update: bool = False) -> UserRecord | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE email = %s{lock}",  # noqa: S608
            (email,),
        ).fetchone()
        return _user(row) if row else None

    def update(self, user: UserRecord) -> None:
        self._execute(
            "UPDATE users SET name = %s, phone = %s, phone_verified = %s, stripe_customer_id = %s "
            "WHERE user_id = %s",
            (user.name, user.phone, user.phone_verified, user.stripe_customer_id, user.user_id),
        )


class PostgresConfirmations(Repository):
    def get(self, user_id: str, *, for_update: bool = False) -> ConfirmationRecord | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_CONFIRMATION_COLUMNS} FROM email_confirmations WHERE user_id = %s{lock}",  # noqa: S608
            (user_id,),
        ).fetchone()
        if row is None:
            return None
        return ConfirmationRecord(
            user_id=row["user_id"],
            code_hash=bytes(row["code_hash"]),
            salt=bytes(row["salt"]),
            generation=row["generation"],
            expires_at=row["expires_at"],
            failed_attempts=row["failed_attempts"],
            window_started_at=row["window_started_at"],
            sends_in_window=row["sends_in_window"],
            confirmed_at=row["confirmed_at"],
        )

    def save(self, record: ConfirmationRecord) -> None:
        self._execute(
            f"INSERT INTO email_confirmations ({_CONFIRMATION_COLUMNS}) "  # noqa: S608
            "VALUES (%(user_id)s, %(code_hash)s, %(salt)s, %(generation)s, %(expires_at)s, "
            "%(failed_attempts)s, %(window_started_at)s, %(sends_in_window)s, %(confirmed_at)s) "
            "ON CONFLICT (user_id) DO UPDATE SET code_hash = EXCLUDED.code_hash, salt = EXCLUDED.salt, "
            "generation = EXCLUDED.generation, expires_at = EXCLUDED.expires_at, "
            "failed_attempts = EXCLUDED.failed_attempts, window_started_at = EXCLUDED.window_started_at, "
            "sends_in_window = EXCLUDED.sends_in_window, confirmed_at = EXCLUDED.confirmed_at",
            {
                "user_id": record.user_id,
                "code_hash": record.code_hash,
                "salt": record.salt,
                "generation": record.generation,
                "expires_at": record.expires_at,
                "failed_attempts": record.failed_attempts,
                "window_started_at": record.window_started_at,
                "sends_in_window": record.sends_in_window,
                "confirmed_at": record.confirmed_at,
            },
        )


def _address(row: DictRow) -> AddressRecord:
    return AddressRecord(
        address_id=str(row["address_id"]),
        user_id=row["user_id"],
        name=row["name"],
        line1=row["line1"],
        line2=row["line2"],
        city=row["city"],
        region=row["region"],
        postal_code=row["postal_code"],
        country=row["country"],
        phone=row["phone"],
        is_default=row["is_default"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _uuid(value: str) -> uuid.UUID | None:
    """An address id from a URL: not a UUID means no such address (never a database error)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class PostgresAddresses(Repository):
    def list(
        self, user_id: str, *, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[AddressRecord]:
        if after is None:
            rows = self._execute(
                f"SELECT {_ADDRESS_COLUMNS} FROM addresses WHERE user_id = %s "  # noqa: S608
                "ORDER BY created_at, address_id LIMIT %s",
                (user_id, limit),
            ).fetchall()
        else:
            after_id = _uuid(after[1])
            if after_id is None:
                return []
            rows = self._execute(
                f"SELECT {_ADDRESS_COLUMNS} FROM addresses WHERE user_id = %s "  # noqa: S608
                "AND (created_at, address_id) > (%s, %s) ORDER BY created_at, address_id LIMIT %s",
                (user_id, after[0], after_id, limit),
            ).fetchall()
        return [_address(r) for r in rows]

    def count(self, user_id: str) -> int:
        row = self._execute("SELECT count(*) AS n FROM addresses WHERE user_id = %s", (user_id,)).fetchone()
        return int(row["n"]) if row else 0

    def get(self, user_id: str, address_id: str, *, for_update: bool = False) -> AddressRecord | None:
        key = _uuid(address_id)
        if key is None:
            return None
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_ADDRESS_COLUMNS} FROM addresses WHERE user_id = %s AND address_id = %s{lock}",  # noqa: S608
            (user_id, key),
        ).fetchone()
        return _address(row) if row else None

    def add(self, address: AddressRecord) -> None:
        self._execute(
            f"INSERT INTO addresses ({_ADDRESS_COLUMNS}) VALUES "  # noqa: S608
            "(%(address_id)s, %(user_id)s, %(name)s, %(line1)s, %(line2)s, %(city)s, %(region)s, "
            "%(postal_code)s, %(country)s, %(phone)s, %(is_default)s, %(created_at)s, %(updated_at)s)",
            {**_params(address), "created_at": address.created_at},
        )

    def update(self, address: AddressRecord) -> None:
        self._execute(
            "UPDATE addresses SET name = %(name)s, line1 = %(line1)s, line2 = %(line2)s, city = %(city)s, "
            "region = %(region)s, postal_code = %(postal_code)s, country = %(country)s, phone = %(phone)s, "
            "is_default = %(is_default)s, updated_at = %(updated_at)s "
            "WHERE user_id = %(user_id)s AND address_id = %(address_id)s",
            _params(address),
        )

    def delete(self, user_id: str, address_id: str) -> bool:
        key = _uuid(address_id)
        if key is None:
            return False
        cursor = self._execute("DELETE FROM addresses WHERE user_id = %s AND address_id = %s", (user_id, key))
        return cursor.rowcount == 1

    def clear_default(self, user_id: str) -> None:
        self._execute("UPDATE addresses SET is_default = false WHERE user_id = %s AND is_default", (user_id,))

    def lock_user(self, user_id: str) -> None:
        self._execute("SELECT 1 FROM users WHERE user_id = %s FOR UPDATE", (user_id,))


def _params(address: AddressRecord) -> dict[str, Any]:
    return {
        "address_id": uuid.UUID(address.address_id),
        "user_id": address.user_id,
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": address.country,
        "phone": address.phone,
        "is_default": address.is_default,
        "updated_at": address.updated_at,
    }


class PostgresAccounts:
    """A unit of work over the accounts tables (``workflows.accounts.ports.UnitOfWork``)."""

    users: PostgresUsers
    addresses: PostgresAddresses
    confirmations: PostgresConfirmations

    def __init__(self, pool: ConnectionPool[Connection[DictRow]], *, timeout_s: float = 5.0) -> None:
        self._pool = pool
        self._timeout_s = timeout_s
        self._conn: Connection[DictRow] | None = None

    def __enter__(self) -> PostgresAccounts:
        try:
            conn = self._pool.getconn(timeout=self._timeout_s)
        except PoolTimeout as exc:
            raise TransientError("PostgreSQL: no connection available") from exc
        self._conn = conn
        self.users = PostgresUsers(conn)
        self.addresses = PostgresAddresses(conn)
        self.confirmations = PostgresConfirmations(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
                conn.rollback()
        except psycopg.Error:
            pass  # a broken connection: the pool discards it; the original error matters more
        finally:
            self._pool.putconn(conn)

    def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit outside the unit of work")
        try:
            self._conn.commit()
        except psycopg.OperationalError as exc:
            raise TransientError(f"PostgreSQL: {exc}") from exc
