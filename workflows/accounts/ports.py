"""The ports accounts needs: the identity provider, the database, the phone and card providers.

Adapters implement them (``adapters/aws/cognito.py``, ``adapters/postgres/accounts.py``,
``adapters/twilio/verify.py``, ``adapters/stripe/customers.py``); tests use hand-written fakes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime
    from types import TracebackType

    from workflows.accounts.model import AddressRecord, Card, ConfirmationRecord, UserRecord
    from workflows.accounts.views import Tokens


class Directory(Protocol):
    """The user pool (Cognito): who can log in, with which password, in which groups.

    Raises ``EmailTaken``, ``InvalidPassword``, ``InvalidCredentials``, ``UserNotConfirmed``.
    """

    def sign_up(self, email: str, password: str, *, name: str) -> str:
        """Create an unconfirmed user; returns its id (the ``sub``)."""
        ...

    def add_to_group(self, user_id: str, group: str) -> None: ...

    def confirm(self, user_id: str) -> None:
        """Confirm the sign-up and mark the email verified."""
        ...

    def login(self, email: str, password: str) -> Tokens: ...

    def refresh(self, refresh_token: str) -> Tokens: ...

    def set_name(self, user_id: str, name: str) -> None: ...


class UserRepository(Protocol):
    def add(self, user: UserRecord) -> None:
        """Insert; raises ``EmailTaken`` when the email belongs to another user."""
        ...

    def ensure(self, user: UserRecord) -> None:
        """Insert unless a row with this user id exists."""
        ...

    def get(self, user_id: str, *, for_update: bool = False) -> UserRecord | None: ...

    def get_by_email(self, email: str, *, for_update: bool = False) -> UserRecord | None: ...

    def update(self, user: UserRecord) -> None:
        """Store name, phone, phone_verified and stripe_customer_id."""
        ...


class ConfirmationRepository(Protocol):
    def get(self, user_id: str, *, for_update: bool = False) -> ConfirmationRecord | None: ...

    def save(self, record: ConfirmationRecord) -> None:
        """Insert or replace the user's record."""
        ...


class AddressRepository(Protocol):
    def list(
        self, user_id: str, *, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[AddressRecord]:
        """Oldest first, by (created_at, address_id), those after the ``after`` key."""
        ...

    def count(self, user_id: str) -> int: ...

    def get(self, user_id: str, address_id: str, *, for_update: bool = False) -> AddressRecord | None: ...

    def add(self, address: AddressRecord) -> None: ...

    def update(self, address: AddressRecord) -> None: ...

    def delete(self, user_id: str, address_id: str) -> bool: ...

    def clear_default(self, user_id: str) -> None:
        """Unset the user's default address, if any."""
        ...

    def lock_user(self, user_id: str) -> None:
        """Serialize writers of one user's addresses (held until the unit of work ends)."""
        ...


class UnitOfWork(Protocol):
    """One database transaction over the accounts repositories; rolled back unless committed."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def addresses(self) -> AddressRepository: ...

    @property
    def confirmations(self) -> ConfirmationRepository: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class PhoneVerifier(Protocol):
    """Twilio Verify: send a code by SMS, check it. Raises ``TooManyAttempts`` when rate limited."""

    def start(self, phone: str) -> None: ...

    def check(self, phone: str, code: str) -> bool:
        """True when the code is right (approved)."""
        ...


class CardVault(Protocol):
    """Stripe: a customer per user, SetupIntents to save cards, the saved cards."""

    def create_customer(self, *, user_id: str, email: str, name: str | None, idempotency_key: str) -> str:
        """Returns the customer id; the same key always gives the same customer."""
        ...

    def create_setup_intent(self, customer_id: str) -> tuple[str, str]:
        """(setup intent id, client secret) for an off-session card."""
        ...

    def list_cards(self, customer_id: str, *, limit: int, after: str | None) -> tuple[list[Card], bool]:
        """One page of the customer's cards and whether there are more."""
        ...

    def default_payment_method(self, customer_id: str) -> str | None: ...

    def owner_of(self, payment_method_id: str) -> str | None:
        """The customer a payment method is attached to (None: unknown or detached)."""
        ...

    def detach(self, payment_method_id: str) -> None: ...
