"""The ports seller onboarding needs: its records, Stripe Connect, the user pool, the workflow.

Adapters implement them (``adapters/postgres/sellers.py``, ``adapters/stripe/connect.py``,
``adapters/aws/cognito.py``; the execution starter is wired in ``lambdas/wiring/onboarding.py``);
unit tests use hand-written fakes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable

    from workflows.onboarding.model import (
        AccountLink,
        AccountState,
        Applicant,
        ConnectedAccount,
        Onboarding,
    )


class OnboardingStore(Protocol):
    """The onboardings (PostgreSQL) and the profile facts POST /sellers checks."""

    def applicant(self, user_id: str) -> Applicant | None:
        """The caller's profile facts, None when they have no profile row yet."""
        ...

    def get(self, onboarding_id: str) -> Onboarding | None: ...

    def current(self, user_id: str) -> Onboarding | None:
        """The user's newest onboarding."""
        ...

    def of_account(self, account_id: str) -> Onboarding | None:
        """The onboarding that created this Stripe connected account."""
        ...

    def create(self, onboarding: Onboarding) -> None:
        """Insert it and mark the profile ``onboarding``, in one transaction.

        Raises ``OnboardingExists`` when the user already has a live onboarding.
        """
        ...

    def save(self, onboarding: Onboarding, *, seller_status: str | None = None) -> None:
        """Store every field that changes after creation (and the profile's seller_status)."""
        ...


class ConnectedAccounts(Protocol):
    """Stripe Connect: Express accounts and their hosted onboarding links."""

    def create_express_account(
        self,
        *,
        country: str,
        business_type: str,
        default_currency: str,
        email: str | None,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> ConnectedAccount:
        """The same key always gives the same account. Raises ``ConnectedAccountRefused``."""
        ...

    def create_onboarding_link(
        self, account_id: str, *, refresh_url: str, return_url: str
    ) -> AccountLink: ...

    def retrieve_account(self, account_id: str) -> AccountState:
        """The account as Stripe has it now; :meth:`AccountState.disconnected` when Stripe no
        longer lets the platform see it (deauthorized or deleted). Transient trouble raises
        ``TransientError``."""
        ...


class SellerGroups(Protocol):
    """The user pool's groups (Cognito)."""

    def add_to_group(self, user_id: str, group: str) -> None:
        """Idempotent: adding a member again changes nothing."""
        ...

    def remove_from_group(self, user_id: str, group: str) -> None:
        """Idempotent: removing someone who is not a member changes nothing."""
        ...


class ExecutionStarter(Protocol):
    """Starts the seller_onboarding execution named ``name`` (an existing one is left alone)."""

    def __call__(self, name: str, execution_input: dict[str, Any]) -> None: ...


class SellerStandings(Protocol):
    """Which sellers may not sell now (the catalog, checkout and payouts ask)."""

    def restricted(self, seller_ids: Iterable[str]) -> frozenset[str]:
        """Those of ``seller_ids`` whose seller account is restricted (Stripe disabled charges
        or payouts); a user who never onboarded is not restricted here (the seller group decides)."""
        ...
