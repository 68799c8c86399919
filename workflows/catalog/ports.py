"""Ports of the catalog: what the services need from the outside, as Protocols."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime

    from workflows.catalog.model import AuctionSummary, Category, Listing
    from workflows.catalog.search import SearchPage, SearchQuery


class Categories(Protocol):
    def get(self, category_id: str) -> Category | None: ...

    def all(self) -> list[Category]: ...

    def add(self, category: Category) -> None:
        """Insert; raises CategoryExists when the slug is taken."""
        ...

    def save(self, category: Category) -> None: ...

    def delete(self, category_id: str) -> None: ...


class AuctionSummaries(Protocol):
    """The auctions of auction listings: what a listing shows of its bidding now."""

    def summaries(self, listings: list[Listing]) -> dict[str, AuctionSummary]:
        """By listing id, for those of ``listings`` that are auctions."""
        ...


class Listings(Protocol):
    def get(self, listing_id: str) -> Listing | None: ...

    def get_many(self, listing_ids: Iterable[str]) -> list[Listing]: ...

    def add(self, listing: Listing) -> bool:
        """Insert; False (nothing written) when a listing with that id exists already."""
        ...

    def save(self, listing: Listing, *, expected_version: int) -> None:
        """Replace the stored listing if it is still at ``expected_version`` (else ConcurrentUpdate)."""
        ...

    def count_in_category(self, category_id: str) -> int:
        """Whether any listing (any status) is filed under ``category_id`` or below it: 1 or 0."""
        ...


@runtime_checkable
class ListingSearch(Protocol):
    """The search read model (``catalog_search`` in PostgreSQL): it answers with the keys, the
    listings come from ``Listings``. Eventually consistent: a change shows once projected."""

    def search(self, query: SearchQuery, at: datetime, *, facets: bool) -> SearchPage: ...

    def active_deals(self, at: datetime, limit: int, after: tuple[int, str] | None) -> list[Listing]:
        """Listings whose deal is in effect at ``at``: priority high to low, then listing id."""
        ...


class SettledCurrencies(Protocol):
    def settled(self) -> frozenset[str]:
        """The currencies a listing may be priced in: those the platform settles that the fee
        schedule in effect covers (a listing in any other could not be sold)."""
        ...


@dataclass(frozen=True)
class UploadTicket:
    url: str
    method: str
    fields: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str


class ImageStore(Protocol):
    def upload_ticket(self, key: str, content_type: str, size: int, expires_s: int) -> UploadTicket:
        """A presigned POST that accepts exactly this content type and at most ``size`` bytes."""
        ...

    def head(self, key: str) -> StoredObject | None: ...

    def url(self, key: str) -> str:
        """Where a client reads the image."""
        ...


@dataclass(frozen=True)
class WatchEntry:
    user_id: str
    listing_id: str
    added_at: datetime


class Watchlists(Protocol):
    def add(self, entry: WatchEntry) -> None: ...

    def remove(self, user_id: str, listing_id: str) -> None: ...

    def of_user(self, user_id: str) -> list[WatchEntry]: ...

    def watchers(self, listing_id: str) -> list[str]: ...


@dataclass(frozen=True)
class SavedSearch:
    user_id: str
    search_id: str
    name: str
    criteria: dict[str, Any]
    created_at: datetime
    last_notified_on: str | None = None  # YYYY-MM-DD (UTC) of the last alert


class SavedSearches(Protocol):
    def add(self, search: SavedSearch) -> None: ...

    def of_user(self, user_id: str) -> list[SavedSearch]: ...

    def get(self, user_id: str, search_id: str) -> SavedSearch | None: ...

    def delete(self, user_id: str, search_id: str) -> bool: ...

    def every(self) -> Iterator[SavedSearch]: ...

    def mark_notified(self, user_id: str, search_id: str, day: str) -> bool:
        """Record an alert on ``day`` unless one was already recorded that day (False then)."""
        ...


class SearchProjection(Protocol):
    """The search read model's writes (``catalog_search``)."""

    def apply(self, listing: Listing) -> bool:
        """Write ``listing``'s row unless the row holds its version or a newer one (True: written)."""
        ...

    def rebuild(self, listings: Iterable[Listing]) -> int:
        """Replace every row with those of ``listings``, at once; how many rows were written."""
        ...
