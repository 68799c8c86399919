"""Watchlists and saved searches, and the alerts they lead to.

- A price drop on a watched listing tells every watcher (``catalog.price_drop``).
- A watched listing about to sell out (one or none left) tells its watchers once
  (``catalog.low_stock``: the notification id is derived from listing and watcher, and the
  pipeline sends a notification id at most once).
- A new listing that a saved search would find tells the search's owner, at most once a day
  per saved search (a conditional write of the day of the last alert).

Alerts are ``marketing`` notifications: a member who opted out of marketing messages gets none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from workflows.catalog.errors import ListingNotFound, SavedSearchNotFound, TooManySavedSearches
from workflows.catalog.ports import SavedSearch, WatchEntry
from workflows.catalog.search import SearchQuery, Sort, decode_cursor, encode_cursor, matches
from workflows.catalog.views import SavedSearchPage, SavedSearchView, WatchPage, WatchView
from workflows.notifications.model import Notification
from workflows.shared.ids import derived_id, new_id
from workflows.shared.money import CURRENCIES, Money
from workflows.shared.views import MoneyView

if TYPE_CHECKING:
    from collections.abc import Callable

    from workflows.catalog.commands import CreateSavedSearch
    from workflows.catalog.events import ListingCreated, ListingPriceChanged, ListingUpdated, PriceModel
    from workflows.catalog.ports import Listings, SavedSearches, Watchlists
    from workflows.notifications.model import NotificationPublisher
    from workflows.shared.clock import Clock
    from workflows.shared.identity import Caller

MAX_SAVED_SEARCHES = 100
LOW_STOCK = 1
CATEGORY: Final = "marketing"


def format_money(amount: int, currency: str) -> str:
    """``1999, "USD"`` → ``"19.99 USD"`` (exact: Decimal scaled by the currency's digits)."""
    digits = CURRENCIES.get(currency, 2)
    return f"{Decimal(amount).scaleb(-digits):.{digits}f} {currency}"


def _money(price: PriceModel) -> str:
    return format_money(price.amount, price.currency)


@dataclass
class Alerts:
    watchlists: Watchlists
    saved_searches: SavedSearches
    listings: Listings
    notifications: NotificationPublisher
    clock: Clock
    new_id: Callable[[], str] = new_id

    # ------------------------------------------------------------------ watchlist

    def watch(self, caller: Caller, listing_id: str) -> WatchView:
        listing = self.listings.get(listing_id)
        if listing is None:
            raise ListingNotFound(f"There is no listing {listing_id!r}.")
        entry = WatchEntry(user_id=caller.user_id, listing_id=listing_id, added_at=self.clock.now())
        self.watchlists.add(entry)
        now = self.clock.now()
        return WatchView(
            listing_id=listing.id,
            added_at=entry.added_at,
            title=listing.title,
            price=MoneyView.of(listing.price),
            effective_price=MoneyView.of(listing.effective_price(now)),
            status=listing.status.value,
        )

    def unwatch(self, caller: Caller, listing_id: str) -> None:
        self.watchlists.remove(caller.user_id, listing_id)

    def watchlist(self, caller: Caller, limit: int, cursor: str | None) -> WatchPage:
        entries = sorted(
            self.watchlists.of_user(caller.user_id), key=lambda e: (-e.added_at.timestamp(), e.listing_id)
        )
        if cursor:
            after = decode_cursor(cursor, Sort.NEWEST)
            position = (float(after[0]), str(after[1]))
            entries = [e for e in entries if (-e.added_at.timestamp(), e.listing_id) > position]
        page = entries[:limit]
        listings = {x.id: x for x in self.listings.get_many([e.listing_id for e in page])}
        now = self.clock.now()
        items = []
        for entry in page:
            listing = listings.get(entry.listing_id)
            items.append(
                WatchView(
                    listing_id=entry.listing_id,
                    added_at=entry.added_at,
                    title=listing.title if listing else None,
                    price=MoneyView.of(listing.price) if listing else None,
                    effective_price=MoneyView.of(listing.effective_price(now)) if listing else None,
                    status=listing.status.value if listing else "removed",
                )
            )
        next_cursor = None
        if len(entries) > limit and page:
            last = page[-1]
            next_cursor = encode_cursor(Sort.NEWEST, [-last.added_at.timestamp(), last.listing_id])
        return WatchPage(items=items, next_cursor=next_cursor)

    # ------------------------------------------------------------------ saved searches

    def save_search(self, caller: Caller, command: CreateSavedSearch) -> SavedSearchView:
        if len(self.saved_searches.of_user(caller.user_id)) >= MAX_SAVED_SEARCHES:
            raise TooManySavedSearches(f"You can keep at most {MAX_SAVED_SEARCHES} saved searches.")
        criteria = command.query.model_dump(mode="json", exclude_none=True)
        search = SavedSearch(
            user_id=caller.user_id,
            search_id=self.new_id(),
            name=command.name or (command.query.q or "Saved search"),
            criteria=criteria,
            created_at=self.clock.now(),
        )
        self.saved_searches.add(search)
        return _saved_view(search)

    def saved_searches_of(self, caller: Caller) -> SavedSearchPage:
        found = sorted(self.saved_searches.of_user(caller.user_id), key=lambda s: (s.created_at, s.search_id))
        return SavedSearchPage(items=[_saved_view(s) for s in found], next_cursor=None)

    def delete_saved_search(self, caller: Caller, search_id: str) -> None:
        if not self.saved_searches.delete(caller.user_id, search_id):
            raise SavedSearchNotFound(f"You have no saved search {search_id!r}.")

    # ------------------------------------------------------------------ alerts (event consumers)

    def on_price_changed(self, event: ListingPriceChanged) -> int:
        """Tell each watcher of a listing whose price dropped. Returns how many were told."""
        if not event.dropped:
            return 0
        told = 0
        for user_id in self.watchlists.watchers(event.listing_id):
            if user_id == event.seller_id:
                continue
            self.notifications.publish(
                Notification(
                    notification_id=derived_id("catalog.price_drop", event.event_id, user_id),
                    type="catalog.price_drop",
                    category=CATEGORY,
                    user_id=user_id,
                    data={
                        "listing_id": event.listing_id,
                        "title": event.title,
                        "old_price": _money(event.old_price),
                        "new_price": _money(event.new_price),
                    },
                )
            )
            told += 1
        return told

    def on_listing_updated(self, event: ListingUpdated) -> int:
        """One or none left: tell the watchers, once per listing and watcher."""
        if event.status != "active" or event.quantity > LOW_STOCK or "quantity" not in event.changed:
            return 0
        listing = self.listings.get(event.listing_id)
        title = listing.title if listing else ""
        told = 0
        for user_id in self.watchlists.watchers(event.listing_id):
            if user_id == event.seller_id:
                continue
            self.notifications.publish(
                Notification(
                    notification_id=derived_id("catalog.low_stock", event.listing_id, user_id),
                    type="catalog.low_stock",
                    category=CATEGORY,
                    user_id=user_id,
                    data={"listing_id": event.listing_id, "title": title, "quantity": event.quantity},
                )
            )
            told += 1
        return told

    def on_listing_created(self, event: ListingCreated) -> int:
        """Tell the owner of each saved search that finds the new listing (at most daily)."""
        listing = self.listings.get(event.listing_id)
        if listing is None:
            return 0
        day = self.clock.now().date().isoformat()
        told = 0
        for search in self.saved_searches.every():
            if search.user_id == listing.seller_id or search.last_notified_on == day:
                continue
            if not matches(query_of(search.criteria), listing):
                continue
            if not self.saved_searches.mark_notified(search.user_id, search.search_id, day):
                continue
            self.notifications.publish(
                Notification(
                    notification_id=derived_id("catalog.saved_search_match", search.search_id, day),
                    type="catalog.saved_search_match",
                    category=CATEGORY,
                    user_id=search.user_id,
                    data={
                        "search_name": search.name,
                        "listing_id": listing.id,
                        "title": listing.title,
                        "price": format_money(listing.price.amount_minor, listing.price.currency),
                    },
                )
            )
            told += 1
        return told


def query_of(criteria: dict[str, Any]) -> SearchQuery:
    from workflows.catalog.model import Condition

    condition = criteria.get("condition")
    return SearchQuery(
        text=criteria.get("q"),
        category_id=criteria.get("category_id"),
        condition=Condition(condition) if condition else None,
        min_price=criteria.get("min_price"),
        max_price=criteria.get("max_price"),
        seller_id=criteria.get("seller_id"),
    )


def _saved_view(search: SavedSearch) -> SavedSearchView:
    return SavedSearchView(
        search_id=search.search_id,
        name=search.name,
        query=dict(search.criteria),
        created_at=search.created_at,
        last_notified_on=search.last_notified_on,
    )


__all__ = ["Alerts", "Money", "TooManySavedSearches", "format_money"]
