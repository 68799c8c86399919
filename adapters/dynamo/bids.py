"""Auctions and their bids in DynamoDB (pynamodb): one partition per auction listing.

Items of a partition (``listing_id``), by sort key ``item``:

- ``state``: the auction (``workflows.auctions.model.Auction`` as JSON) and its ``version``;
- ``bid#<seq, 10 digits>``: one bid each (the history, retractions, second-chance offers);
- ``request#<bid id>``: a bid request decided, with its body's hash and its answer (the same
  ``Idempotency-Key`` replays it).

Every change is one TransactWrite conditional on the version the service read: the state item
updated (``version = :read``), the new or changed bids and the request written with it, or
nothing. Concurrent bids therefore land one after the other, each decided on the auction the one
before left; the close is such a write too, so a bid decided before it cannot land after it.
Bids are not events of the auction's execution (an execution holds at most 25,000 of those).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBConnectionError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from workflows.auctions.model import Auction, Bid, Standing
from workflows.auctions.ports import BidRequest
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from adapters.dynamo.connection import DynamoConnection

STATE = "state"
_CONFLICTS = {"ConditionalCheckFailed", "TransactionConflict"}
_BUSY = {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded", "InternalServerError"}


class AuctionItem(Model):
    class Meta:
        table_name = "auction-bids"

    listing_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    version = NumberAttribute(null=True)
    state = JSONAttribute(null=True)
    bid = JSONAttribute(null=True)
    request = JSONAttribute(null=True)


def _bid_key(seq: int) -> str:
    return f"bid#{seq:010d}"


def _request_key(bid_id: str) -> str:
    return f"request#{bid_id}"


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _standing(value: Standing | None) -> dict[str, Any] | None:
    return (
        None if value is None else {"bidder_id": value.bidder_id, "maximum": value.maximum, "seq": value.seq}
    )


def _standing_from(value: dict[str, Any] | None) -> Standing | None:
    return None if not value else Standing(str(value["bidder_id"]), int(value["maximum"]), int(value["seq"]))


def auction_doc(auction: Auction) -> dict[str, Any]:
    doc = {name: getattr(auction, name) for name in Auction.__dataclass_fields__}
    doc |= {
        "ends_at": _when(auction.ends_at),
        "closed_at": _when(auction.closed_at),
        "pay_by": _when(auction.pay_by),
        "leader": _standing(auction.leader),
        "runner_up": _standing(auction.runner_up),
    }
    return doc


def auction_from(doc: dict[str, Any]) -> Auction:
    fields = {k: v for k, v in doc.items() if k in Auction.__dataclass_fields__}
    ends_at = _moment(doc["ends_at"])
    assert ends_at is not None
    return Auction(
        **fields
        | {
            "ends_at": ends_at,
            "closed_at": _moment(doc.get("closed_at")),
            "pay_by": _moment(doc.get("pay_by")),
            "leader": _standing_from(doc.get("leader")),
            "runner_up": _standing_from(doc.get("runner_up")),
        }
    )


def bid_doc(bid: Bid) -> dict[str, Any]:
    return {
        "seq": bid.seq,
        "bid_id": bid.bid_id,
        "bidder_id": bid.bidder_id,
        "maximum": bid.maximum,
        "placed_at": bid.placed_at.isoformat(),
        "price_after": bid.price_after,
        "retracted": bid.retracted,
    }


def bid_from(doc: dict[str, Any]) -> Bid:
    placed_at = _moment(doc["placed_at"])
    assert placed_at is not None
    return Bid(
        seq=int(doc["seq"]),
        bid_id=str(doc["bid_id"]),
        bidder_id=str(doc["bidder_id"]),
        maximum=int(doc["maximum"]),
        placed_at=placed_at,
        price_after=int(doc["price_after"]),
        retracted=bool(doc.get("retracted")),
    )


def _code(error: Exception) -> str:
    cause = getattr(error, "cause", None)
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code", ""))
    return str(getattr(error, "cause_response_code", "") or "")


class DynamoAuctions:
    """Implements ``workflows.auctions.ports.AuctionStore``."""

    def __init__(self, connection: DynamoConnection, table_name: str) -> None:
        self._model = connection.bind(AuctionItem, table_name)
        self._connection = Connection(region=connection.region, host=connection.endpoint_url)

    def get(self, listing_id: str) -> Auction | None:
        try:
            item = self._model.get(listing_id, STATE, consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBConnectionError as exc:
            raise TransientError(f"auction {listing_id} not read: {exc}") from exc
        return auction_from(item.state) if item.state else None

    def get_many(self, listing_ids: list[str]) -> dict[str, Auction]:
        keys = [(listing_id, STATE) for listing_id in dict.fromkeys(listing_ids)]
        found: dict[str, Auction] = {}
        for item in self._model.batch_get(keys, consistent_read=True):
            if item.state:
                found[item.listing_id] = auction_from(item.state)
        return found

    def open(self, auction: Auction) -> Auction:
        model = self._model
        try:
            model(auction.listing_id, STATE, version=auction.version, state=auction_doc(auction)).save(
                condition=model.listing_id.does_not_exist()
            )
        except PutError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise
        stored = self.get(auction.listing_id)
        assert stored is not None
        return stored

    def bids(self, listing_id: str) -> list[Bid]:
        model = self._model
        items = model.query(listing_id, model.item.startswith("bid#"), consistent_read=True)
        return [bid_from(item.bid) for item in items if item.bid]

    def request(self, listing_id: str, bid_id: str) -> BidRequest | None:
        try:
            item = self._model.get(listing_id, _request_key(bid_id), consistent_read=True)
        except DoesNotExist:
            return None
        doc = item.request or {}
        return BidRequest(
            bid_id=bid_id,
            bidder_id=str(doc["bidder_id"]),
            body_hash=str(doc["body_hash"]),
            response=json.loads(doc["response"]),
        )

    def commit(
        self,
        before: Auction,
        after: Auction,
        *,
        bids: tuple[Bid, ...] = (),
        request: BidRequest | None = None,
    ) -> bool:
        model = self._model
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    model(before.listing_id, STATE),
                    actions=[model.state.set(auction_doc(after)), model.version.set(after.version)],
                    condition=model.version == before.version,
                )
                for bid in bids:
                    transaction.save(model(before.listing_id, _bid_key(bid.seq), bid=bid_doc(bid)))
                if request is not None:
                    transaction.save(
                        model(
                            before.listing_id,
                            _request_key(request.bid_id),
                            request={
                                "bidder_id": request.bidder_id,
                                "body_hash": request.body_hash,
                                "response": json.dumps(request.response),
                            },
                        ),
                        condition=model.item.does_not_exist(),
                    )
        except TransactWriteError as exc:
            reasons = {str(r.code) for r in (exc.cancellation_reasons or []) if r is not None and r.code}
            if reasons & _CONFLICTS or _code(exc) in {"TransactionConflictException"}:
                return False
            if reasons & _BUSY or _code(exc) in {"ThrottlingException", "InternalServerError"}:
                raise TransientError(f"auction {before.listing_id} not written: {exc}") from exc
            raise
        except PynamoDBConnectionError as exc:
            raise TransientError(f"auction {before.listing_id} not written: {exc}") from exc
        return True
