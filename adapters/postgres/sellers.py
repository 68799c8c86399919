"""PostgreSQL for seller onboarding: ``seller_onboardings`` (migrations 0050, 0080) and the profile
facts POST /sellers checks (``users``, ``addresses``, ``email_confirmations`` of accounts).

Implements ``workflows.onboarding.ports.OnboardingStore`` and ``SellerStandings`` (whose sellers
are restricted, from ``users.seller_status``, which the store keeps in step). Each call is one
transaction on a pooled connection (the pool commits when the block ends without an error).
Connection trouble becomes a :class:`TransientError` (the state machine retries it).

(The f-strings below only splice in the constant column list; every value is a bound parameter,
hence the ``noqa: S608``.)
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout

from workflows.onboarding.errors import OnboardingExists
from workflows.onboarding.model import Applicant, Onboarding
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

_COLUMNS = (
    "onboarding_id::text AS onboarding_id, user_id, status, country, business_type, default_currency, "
    "idempotency_key, request_fingerprint, remind_after_s, expire_after_s, stripe_account_id, "
    "onboarding_url, onboarding_url_expires_at, charges_enabled, payouts_enabled, details_submitted, "
    "requirements_due, disabled_reason, started_at, remind_at, expire_at, reminded_at, last_event_id, "
    "last_event_at, ended_at, activated_at, created_at, updated_at"
)

_APPLICANT = """
SELECT u.user_id, u.email::text AS email, u.phone_verified, u.seller_status,
       EXISTS (SELECT 1 FROM addresses a WHERE a.user_id = u.user_id) AS has_address,
       EXISTS (SELECT 1 FROM email_confirmations c
               WHERE c.user_id = u.user_id AND c.confirmed_at IS NULL) AS email_confirmation_pending
FROM users u WHERE u.user_id = %(user_id)s
"""

_GET = f"SELECT {_COLUMNS} FROM seller_onboardings WHERE onboarding_id = %(onboarding_id)s"  # noqa: S608

_CURRENT = f"""
SELECT {_COLUMNS} FROM seller_onboardings WHERE user_id = %(user_id)s
ORDER BY created_at DESC, onboarding_id DESC LIMIT 1
"""  # noqa: S608

_OF_ACCOUNT = f"SELECT {_COLUMNS} FROM seller_onboardings WHERE stripe_account_id = %(account_id)s"  # noqa: S608

#: the profile statuses in which a seller may not sell (0001's CHECK lists them)
_NOT_SELLING = ("restricted", "suspended")
_RESTRICTED = """
SELECT user_id FROM users WHERE user_id = ANY(%(user_ids)s) AND seller_status = ANY(%(statuses)s)
"""

_INSERT = """
INSERT INTO seller_onboardings (
    onboarding_id, user_id, status, country, business_type, default_currency, idempotency_key,
    request_fingerprint, remind_after_s, expire_after_s, created_at, updated_at
) VALUES (
    %(onboarding_id)s, %(user_id)s, %(status)s, %(country)s, %(business_type)s, %(default_currency)s,
    %(idempotency_key)s, %(request_fingerprint)s, %(remind_after_s)s, %(expire_after_s)s,
    %(created_at)s, %(updated_at)s
)
"""

_UPDATE = """
UPDATE seller_onboardings SET
    status = %(status)s, stripe_account_id = %(stripe_account_id)s, onboarding_url = %(onboarding_url)s,
    onboarding_url_expires_at = %(onboarding_url_expires_at)s, charges_enabled = %(charges_enabled)s,
    payouts_enabled = %(payouts_enabled)s, details_submitted = %(details_submitted)s,
    requirements_due = %(requirements_due)s, disabled_reason = %(disabled_reason)s,
    started_at = %(started_at)s, remind_at = %(remind_at)s, expire_at = %(expire_at)s,
    reminded_at = %(reminded_at)s, last_event_id = %(last_event_id)s, last_event_at = %(last_event_at)s,
    ended_at = %(ended_at)s, activated_at = %(activated_at)s, updated_at = %(updated_at)s
WHERE onboarding_id = %(onboarding_id)s
"""

_SELLER_STATUS = "UPDATE users SET seller_status = %(seller_status)s WHERE user_id = %(user_id)s"


def _onboarding(row: DictRow) -> Onboarding:
    values: dict[str, Any] = dict(row)
    values["requirements_due"] = tuple(values["requirements_due"] or ())
    return Onboarding(**values)


def _params(onboarding: Onboarding) -> dict[str, Any]:
    values = {name: getattr(onboarding, name) for name in Onboarding.__dataclass_fields__}
    values["requirements_due"] = list(onboarding.requirements_due)
    return values


class PostgresOnboardings:
    def __init__(self, pool: ConnectionPool[Connection[DictRow]], *, timeout_s: float = 5.0) -> None:
        self.pool = pool
        self._timeout_s = timeout_s

    @contextmanager
    def _transaction(self) -> Iterator[Connection[DictRow]]:
        try:
            with self.pool.connection(timeout=self._timeout_s) as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise TransientError(f"PostgreSQL: {exc}") from exc

    def applicant(self, user_id: str) -> Applicant | None:
        with self._transaction() as conn:
            row = conn.execute(_APPLICANT, {"user_id": user_id}).fetchone()
        if row is None:
            return None
        return Applicant(
            user_id=row["user_id"],
            email=row["email"],
            phone_verified=row["phone_verified"],
            has_address=row["has_address"],
            email_confirmation_pending=row["email_confirmation_pending"],
            seller_status=row["seller_status"],
        )

    def get(self, onboarding_id: str) -> Onboarding | None:
        with self._transaction() as conn:
            row = conn.execute(_GET, {"onboarding_id": onboarding_id}).fetchone()
        return _onboarding(row) if row else None

    def current(self, user_id: str) -> Onboarding | None:
        with self._transaction() as conn:
            row = conn.execute(_CURRENT, {"user_id": user_id}).fetchone()
        return _onboarding(row) if row else None

    def of_account(self, account_id: str) -> Onboarding | None:
        with self._transaction() as conn:
            row = conn.execute(_OF_ACCOUNT, {"account_id": account_id}).fetchone()
        return _onboarding(row) if row else None

    def create(self, onboarding: Onboarding) -> None:
        try:
            with self._transaction() as conn:
                conn.execute(_INSERT, _params(onboarding))
                conn.execute(_SELLER_STATUS, {"seller_status": "onboarding", "user_id": onboarding.user_id})
        except pg_errors.UniqueViolation as exc:
            raise OnboardingExists("this user has a live onboarding already") from exc

    def save(self, onboarding: Onboarding, *, seller_status: str | None = None) -> None:
        with self._transaction() as conn:
            conn.execute(_UPDATE, _params(onboarding))
            if seller_status is not None:
                conn.execute(_SELLER_STATUS, {"seller_status": seller_status, "user_id": onboarding.user_id})


class _PoolSource(Protocol):
    def __call__(self) -> ConnectionPool[Connection[DictRow]]: ...


class PostgresSellerStandings:
    """``workflows.onboarding.ports.SellerStandings``. The pool is asked for on first use, so a
    function that never asks (a catalog read) never opens a connection."""

    def __init__(self, pool: _PoolSource, *, timeout_s: float = 5.0) -> None:
        self._pool = pool
        self._timeout_s = timeout_s

    def restricted(self, seller_ids: Iterable[str]) -> frozenset[str]:
        wanted = sorted(set(seller_ids))
        if not wanted:
            return frozenset()
        try:
            with self._pool().connection(timeout=self._timeout_s) as conn:
                rows = conn.execute(
                    _RESTRICTED, {"user_ids": wanted, "statuses": list(_NOT_SELLING)}
                ).fetchall()
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise TransientError(f"PostgreSQL: {exc}") from exc
        return frozenset(str(r["user_id"]) for r in rows)
