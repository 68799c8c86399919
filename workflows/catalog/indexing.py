"""The search read model's projection: a catalog event names a listing, whose document (the
source of truth) is read and written to the read model if it is newer than the row.

Reading the document rather than applying the event's fields makes every delivery idempotent and
order-free: a duplicate or a late event writes the newest version or nothing. A rebuild rewrites
every row from the listings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workflows.catalog.events import ListingCreated, ListingEnded, ListingPriceChanged, ListingUpdated

if TYPE_CHECKING:
    from collections.abc import Iterable

    from workflows.catalog.events import CatalogEvent
    from workflows.catalog.model import Listing
    from workflows.catalog.ports import Listings, SearchProjection

#: the events that change what search shows, by detail type (promotions and deals are
#: ListingUpdated; a sale that empties the stock is ListingEnded)
INDEXED_EVENTS: dict[str, type[CatalogEvent]] = {
    e.detail_type(): e for e in (ListingCreated, ListingUpdated, ListingPriceChanged, ListingEnded)
}


@dataclass(frozen=True)
class SearchIndexer:
    listings: Listings
    projection: SearchProjection

    def on_event(self, event: CatalogEvent) -> dict[str, Any]:
        listing = self.listings.get(event.listing_id)
        if listing is None:  # nothing to show (an event of a listing this store does not hold)
            return {"listing_id": event.listing_id, "written": False, "version": None}
        written = self.projection.apply(listing)
        return {"listing_id": listing.id, "written": written, "version": listing.version}

    def rebuild(self, listings: Iterable[Listing]) -> int:
        return self.projection.rebuild(listings)
