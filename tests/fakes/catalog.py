"""Hand-written fakes of the catalog's ports (in memory)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from workflows.catalog.errors import CategoryExists, ConcurrentUpdate
from workflows.catalog.ports import SavedSearch, StoredObject, UploadTicket, WatchEntry
from workflows.catalog.search import SearchPage, SearchQuery, matches

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from workflows.catalog.model import Category, Listing
    from workflows.notifications.model import Notification
    from workflows.shared.events import DomainEvent


class FakeCategories:
    def __init__(self) -> None:
        self.items: dict[str, Category] = {}

    def get(self, category_id: str) -> Category | None:
        return self.items.get(category_id)

    def all(self) -> list[Category]:
        return list(self.items.values())

    def add(self, category: Category) -> None:
        if any(c.slug == category.slug for c in self.items.values()):
            raise CategoryExists("taken")
        self.items[category.id] = category

    def save(self, category: Category) -> None:
        self.items[category.id] = category

    def delete(self, category_id: str) -> None:
        self.items.pop(category_id, None)


class FakeListings:
    def __init__(self) -> None:
        self.items: dict[str, Listing] = {}

    def get(self, listing_id: str) -> Listing | None:
        return self.items.get(listing_id)

    def get_many(self, listing_ids: Iterable[str]) -> list[Listing]:
        return [self.items[i] for i in listing_ids if i in self.items]

    def add(self, listing: Listing) -> bool:
        if listing.id in self.items:
            return False
        self.items[listing.id] = listing
        return True

    def save(self, listing: Listing, *, expected_version: int) -> None:
        if self.items[listing.id].version != expected_version:
            raise ConcurrentUpdate("stale")
        self.items[listing.id] = listing

    def count_in_category(self, category_id: str) -> int:
        return sum(category_id in x.category_path for x in self.items.values())

    def search(self, query: SearchQuery, at: datetime, *, facets: bool) -> SearchPage:
        found = [x for x in self.items.values() if matches(query, x)]
        return SearchPage(sorted(found, key=lambda x: x.id)[: query.limit], None)

    def active_deals(self, at: datetime, limit: int, after: tuple[int, str] | None) -> list[Listing]:
        live = [x for x in self.items.values() if x.deal is not None and x.deal.active(at)]
        return sorted(live, key=lambda x: (-x.deal.priority, x.id))[:limit]  # type: ignore[union-attr]


class RecordingEvents:
    def __init__(self) -> None:
        self.published: list[DomainEvent] = []

    def publish(self, *events: DomainEvent) -> None:
        self.published.extend(events)

    def types(self) -> list[str]:
        return [e.detail_type() for e in self.published]


class FixedCurrencies:
    """``SettledCurrencies`` with a fixed answer (by default the launch fee schedule's)."""

    def __init__(self, *codes: str) -> None:
        self.codes = frozenset(codes or ("EUR", "GBP", "USD"))

    def settled(self) -> frozenset[str]:
        return self.codes


class FakeImageStore:
    def __init__(self) -> None:
        self.objects: dict[str, StoredObject] = {}

    def upload_ticket(self, key: str, content_type: str, size: int, expires_s: int) -> UploadTicket:
        return UploadTicket(f"https://upload.example/{key}", "POST", {"key": key}, datetime.now(UTC))

    def head(self, key: str) -> StoredObject | None:
        return self.objects.get(key)

    def url(self, key: str) -> str:
        return f"https://images.example/{key}"


class FakeWatchlists:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], WatchEntry] = {}

    def add(self, entry: WatchEntry) -> None:
        self.entries.setdefault((entry.user_id, entry.listing_id), entry)

    def remove(self, user_id: str, listing_id: str) -> None:
        self.entries.pop((user_id, listing_id), None)

    def of_user(self, user_id: str) -> list[WatchEntry]:
        return [e for (u, _), e in self.entries.items() if u == user_id]

    def watchers(self, listing_id: str) -> list[str]:
        return [u for (u, listing), _ in self.entries.items() if listing == listing_id]


class FakeSavedSearches:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], SavedSearch] = {}

    def add(self, search: SavedSearch) -> None:
        self.items[(search.user_id, search.search_id)] = search

    def of_user(self, user_id: str) -> list[SavedSearch]:
        return [s for (u, _), s in self.items.items() if u == user_id]

    def get(self, user_id: str, search_id: str) -> SavedSearch | None:
        return self.items.get((user_id, search_id))

    def delete(self, user_id: str, search_id: str) -> bool:
        return self.items.pop((user_id, search_id), None) is not None

    def every(self) -> Iterator[SavedSearch]:
        yield from list(self.items.values())

    def mark_notified(self, user_id: str, search_id: str, day: str) -> bool:
        search = self.items.get((user_id, search_id))
        if search is None or search.last_notified_on == day:
            return False
        self.items[(user_id, search_id)] = replace(search, last_notified_on=day)
        return True


class RecordingNotifications:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def publish(self, notification: Notification) -> None:
        self.sent.append(notification)
