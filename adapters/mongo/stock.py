"""Listing stock in MongoDB: holds taken and released with single-document conditional writes.

A listing's ``quantity`` is what is still for sale. A hold moves units from ``quantity`` into
``holds.<holder>`` in ONE conditional update (``quantity >= n`` and no hold of that holder yet),
so two checkouts can never both take the last unit, and a retried hold takes nothing twice.
Releasing moves them back; settling (the sale went through) only forgets the hold; a transfer
(a checkout taking over the units an accepted offer or a won auction holds) renames the hold. Every write
bumps ``version``, so a seller's concurrent edit (saved with the version it read) cannot
overwrite a hold's change. ``restocks.<reference>`` makes a restock (a cancelled order) happen once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from adapters.mongo.catalog import TRANSIENT, listing_doc, listing_from
from workflows.catalog.events import ListingUpdated
from workflows.catalog.model import ListingStatus
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from datetime import datetime

    from pymongo.collection import Collection
    from pymongo.database import Database

    from workflows.catalog.model import Listing
    from workflows.checkout.ports import HoldOutcome
    from workflows.shared.clock import Clock
    from workflows.shared.events import EventPublisher

Doc = dict[str, Any]


def _field(prefix: str, key: str) -> str:
    if not key or "." in key or key.startswith("$"):
        raise ValueError(f"not usable as a field name: {key!r}")
    return f"{prefix}.{key}"


class MongoStock:
    """Implements ``workflows.checkout.ports.StockStore`` on the listings collection."""

    def __init__(self, db: Database[Doc]) -> None:
        self._listings: Collection[Doc] = db["listings"]

    def _update(self, query: Doc, update: Doc) -> int:
        try:
            return self._listings.update_one(query, update).modified_count
        except TRANSIENT as exc:
            raise TransientError(f"stock not changed: {exc}") from exc

    def _replace(self, query: Doc, document: Doc) -> int:
        try:
            return self._listings.replace_one(query, document).modified_count
        except TRANSIENT as exc:
            raise TransientError(f"listing not changed: {exc}") from exc

    def _find(self, listing_id: str, projection: Doc) -> Doc | None:
        try:
            return self._listings.find_one({"_id": listing_id}, projection)
        except TRANSIENT as exc:
            raise TransientError(f"stock not read: {exc}") from exc

    def hold(self, listing_id: str, holder: str, quantity: int) -> HoldOutcome:
        if quantity < 1:
            raise ValueError("a hold is of one unit or more")
        hold = _field("holds", holder)
        taken = self._update(
            {
                "_id": listing_id,
                "status": ListingStatus.ACTIVE.value,
                "quantity": {"$gte": quantity},
                hold: {"$exists": False},
            },
            {"$inc": {"quantity": -quantity, "version": 1}, "$set": {hold: quantity}},
        )
        if taken:
            return "held"
        doc = self._find(listing_id, {"quantity": 1, "status": 1, "holds": 1})
        if doc is None:
            return "missing"
        if holder in (doc.get("holds") or {}):
            return "already_held"
        if doc.get("status") != ListingStatus.ACTIVE.value:
            return "not_active"
        return "not_enough"

    def _held(self, listing_id: str, holder: str) -> int:
        doc = self._find(listing_id, {"holds": 1})
        return int(((doc or {}).get("holds") or {}).get(holder) or 0)

    def held(self, listing_id: str, holder: str) -> int:
        _field("holds", holder)
        return self._held(listing_id, holder)

    def transfer(self, listing_id: str, holder: str, to: str) -> int:
        """One conditional write: ``holds.<holder>`` (exactly the units read) becomes
        ``holds.<to>``; the listing's ``quantity`` does not change (the units stay off sale)."""
        held = self._held(listing_id, holder)
        if not held:
            return 0
        source, target = _field("holds", holder), _field("holds", to)
        done = self._update(
            {"_id": listing_id, source: held, target: {"$exists": False}},
            {"$unset": {source: ""}, "$set": {target: held}, "$inc": {"version": 1}},
        )
        return held if done else 0

    def release(self, listing_id: str, holder: str) -> int:
        held = self._held(listing_id, holder)
        if not held:
            return 0
        hold = _field("holds", holder)
        done = self._update(
            {"_id": listing_id, hold: held},
            {"$inc": {"quantity": held, "version": 1}, "$unset": {hold: ""}},
        )
        return held if done else 0

    def settle(self, listing_id: str, holder: str) -> int:
        held = self._held(listing_id, holder)
        if not held:
            return 0
        hold = _field("holds", holder)
        done = self._update({"_id": listing_id, hold: held}, {"$inc": {"version": 1}, "$unset": {hold: ""}})
        return held if done else 0

    def restock(self, listing_id: str, reference: str, quantity: int) -> bool:
        if quantity < 1:
            raise ValueError("a restock is of one unit or more")
        mark = _field("restocks", reference)
        return bool(
            self._update(
                {"_id": listing_id, mark: {"$exists": False}},
                {"$inc": {"quantity": quantity, "version": 1}, "$set": {mark: quantity}},
            )
        )

    def listing(self, listing_id: str) -> Listing | None:
        doc = self._find(listing_id, {})
        return listing_from(doc) if doc is not None else None

    def refresh_status(self, listing_id: str, at: datetime) -> Literal["sold_out", "active"] | None:
        """Sold out when nothing is left or held; active again when units came back. Retried on a
        concurrent change (the write is conditional on the version read)."""
        for _ in range(5):
            doc = self._find(listing_id, {"search_text": 0})
            if doc is None:
                return None
            listing = listing_from(doc)
            if listing.status == ListingStatus.ACTIVE and listing.quantity == 0 and not doc.get("holds"):
                status = ListingStatus.SOLD_OUT
            elif listing.status == ListingStatus.SOLD_OUT and listing.quantity > 0:
                status = ListingStatus.ACTIVE
            else:
                return None
            changed = listing_doc(listing.changed(at, status=status))
            changed |= {k: doc[k] for k in ("holds", "restocks") if k in doc}
            if self._replace({"_id": listing_id, "version": listing.version}, changed):
                return "sold_out" if status == ListingStatus.SOLD_OUT else "active"
        raise TransientError(f"listing {listing_id} kept changing; its status was not refreshed")


class ListingRestocker:
    """Implements ``workflows.fulfilment.ports.Restocker`` over :class:`MongoStock`: each item's
    units back (once per ``reference``), then the listing's status refreshed (sold out -> active).
    A listing on sale again is announced (``ListingUpdated``), so that the search read model,
    which hid it when it sold out, shows it again."""

    def __init__(self, stock: MongoStock, clock: Clock, events: EventPublisher | None = None) -> None:
        self._stock = stock
        self._clock = clock
        self._events = events

    def restock(self, reference: str, items: list[tuple[str, int]]) -> None:
        for listing_id, quantity in items:
            self._stock.restock(listing_id, reference, quantity)
            if self._stock.refresh_status(listing_id, self._clock.now()) == "active" and self._events:
                listing = self._stock.listing(listing_id)
                if listing is not None:
                    self._events.publish(ListingUpdated.of(listing, ["status", "quantity"]))
