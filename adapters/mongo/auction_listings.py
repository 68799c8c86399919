"""The catalog's side of auctions (MongoDB): an auction listing read, and ended when it did not sell.

Implements ``workflows.auctions.ports.AuctionListings`` over the catalog's listings repository:
the end is a versioned replace (a concurrent change is read again), as every listing write is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.catalog.errors import ConcurrentUpdate
from workflows.catalog.model import ListingStatus
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from datetime import datetime

    from adapters.mongo.catalog import MongoListings
    from workflows.catalog.model import Listing

_ATTEMPTS = 5


class MongoAuctionListings:
    def __init__(self, listings: MongoListings) -> None:
        self._listings = listings

    def get(self, listing_id: str) -> Listing | None:
        return self._listings.get(listing_id)

    def end(self, listing_id: str, at: datetime, reason: str) -> None:
        for _ in range(_ATTEMPTS):
            listing = self._listings.get(listing_id)
            if listing is None or listing.status == ListingStatus.ENDED:
                return
            try:
                self._listings.save(
                    listing.changed(at, status=ListingStatus.ENDED, ended_at=at),
                    expected_version=listing.version,
                )
            except ConcurrentUpdate:
                continue
            return
        raise TransientError(f"listing {listing_id} kept changing; it was not ended ({reason})")
