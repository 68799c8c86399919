"""Best Offer's ports (PostgreSQL, the catalog's stock, the checkouts, Step Functions); adapters
implement them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable
    from contextlib import AbstractContextManager
    from datetime import datetime

    from workflows.catalog.model import Listing
    from workflows.checkout.ports import HoldOutcome
    from workflows.offers.model import OfferMove, OfferRecord, Role


class OfferStore(Protocol):
    """The offers and their moves, on the unit of work's transaction."""

    def get(self, offer_id: str, *, for_update: bool = False) -> OfferRecord | None: ...

    def add(self, offer: OfferRecord) -> bool:
        """Insert; False when the id exists (a repeated request)."""
        ...

    def save(self, offer: OfferRecord) -> None:
        """Write the offer's changing fields (status, amount, round, deadlines, updated_at)."""
        ...

    def record(self, offer_id: str, move: OfferMove) -> None:
        """Append a move (a retried step records it once: the move's round, actor and kind)."""
        ...

    def moves(self, offer_id: str) -> list[OfferMove]: ...

    def lock_buyer(self, buyer_id: str, listing_id: str) -> None:
        """Serialize a buyer's offers on one listing until the transaction ends (the limit holds)."""
        ...

    def of_buyer_on(self, buyer_id: str, listing_id: str) -> list[OfferRecord]: ...

    def of_user(
        self, user_id: str, role: Role, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[OfferRecord]:
        """The user's offers as ``role``, newest first (created_at, then id, descending)."""
        ...


class OfferUnitOfWork(Protocol):
    @property
    def offers(self) -> OfferStore: ...


class UnitOfWorkOpener(Protocol):
    def __call__(self) -> AbstractContextManager[OfferUnitOfWork]: ...


class OfferStock(Protocol):
    """The listing's units, as the checkout's stock port holds them (one conditional write)."""

    def hold(self, listing_id: str, holder: str, quantity: int) -> HoldOutcome: ...

    def release(self, listing_id: str, holder: str) -> int: ...

    def held(self, listing_id: str, holder: str) -> int: ...

    def refresh_status(self, listing_id: str, at: datetime) -> str | None: ...


class ListingReader(Protocol):
    def get_many(self, listing_ids: Iterable[str]) -> list[Listing]: ...


class AgreedCheckouts(Protocol):
    """The checkouts made from an agreement (``workflows.checkout.agreements``)."""

    def latest(self, kind: str, source_id: str) -> tuple[str, str] | None:
        """(checkout id, status) of the agreement's newest checkout; None: none yet."""
        ...


class ExecutionStarter(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> object: ...
