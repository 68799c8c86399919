"""The seller's feedback figures onto their listing documents (``listings.seller_rating``).

Browse and search read listings from MongoDB alone; the profile's projection writes the two
numbers a result shows (score, percent positive) onto every listing of the seller when their
profile changes, so no result needs a second store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from pymongo.database import Database


class MongoListingRatings:
    """Implements ``workflows.feedback.ports.ListingRatings``."""

    def __init__(self, db: Database[dict[str, Any]]) -> None:
        self._listings = db["listings"]

    def set_seller_rating(self, seller_id: str, score: int, percent_positive: float | None) -> int:
        rating = {"score": score, "percent_positive": percent_positive}
        try:
            result = self._listings.update_many({"seller_id": seller_id}, {"$set": {"seller_rating": rating}})
        except (AutoReconnect, ConnectionFailure, NetworkTimeout) as exc:
            raise TransientError(f"MongoDB: {exc}") from exc
        return int(result.modified_count)
