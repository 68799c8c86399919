"""Carts in DynamoDB (pynamodb): one item per (user, listing); GSI ``by-listing`` finds a listing's carts.

Writes are conditional on the catalog version a line reflects (``listing_version``): a mark from a
catalog event applies only when it is newer, and adding a line never overwrites a newer mark.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from workflows.cart.model import CartLine
from workflows.shared.money import Money

if TYPE_CHECKING:
    from pynamodb.exceptions import PynamoDBException

    from adapters.dynamo.connection import DynamoConnection
    from workflows.cart.model import LineMark

_CONDITION_FAILED = "ConditionalCheckFailedException"


class ByListing(GlobalSecondaryIndex["CartItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by-listing"
        projection = AllProjection()

    listing_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class CartItem(Model):
    class Meta:
        table_name = "carts"

    user_id = UnicodeAttribute(hash_key=True)
    listing_id = UnicodeAttribute(range_key=True)
    seller_id = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_amount = NumberAttribute()
    currency = UnicodeAttribute()
    added_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    listing_version = NumberAttribute()
    price_changed_to_amount = NumberAttribute(null=True)
    price_changed_to_currency = UnicodeAttribute(null=True)
    listing_ended = BooleanAttribute(null=True)
    marked_by_event = UnicodeAttribute(null=True)
    by_listing = ByListing()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _line(item: CartItem) -> CartLine:
    changed_to = None
    if item.price_changed_to_amount is not None and item.price_changed_to_currency is not None:
        changed_to = Money(int(item.price_changed_to_amount), item.price_changed_to_currency)
    return CartLine(
        user_id=item.user_id,
        listing_id=item.listing_id,
        seller_id=item.seller_id,
        quantity=int(item.quantity),
        unit_price=Money(int(item.unit_amount), item.currency),
        added_at=_aware(item.added_at),
        updated_at=_aware(item.updated_at),
        listing_version=int(item.listing_version),
        price_changed_to=changed_to,
        listing_ended=bool(item.listing_ended),
        marked_by_event=item.marked_by_event,
    )


def _condition_failed(error: PynamoDBException) -> bool:
    return error.cause_response_code == _CONDITION_FAILED


class DynamoCarts:
    """Implements ``workflows.cart.ports.CartStore``."""

    def __init__(self, connection: DynamoConnection, table_name: str) -> None:
        self._model = connection.bind(CartItem, table_name)

    def lines(self, user_id: str) -> list[CartLine]:
        return [_line(item) for item in self._model.query(user_id, consistent_read=True)]

    def get(self, user_id: str, listing_id: str) -> CartLine | None:
        try:
            return _line(self._model.get(user_id, listing_id, consistent_read=True))
        except DoesNotExist:
            return None

    def put(self, line: CartLine) -> bool:
        model = self._model
        item = model(
            line.user_id,
            line.listing_id,
            seller_id=line.seller_id,
            quantity=line.quantity,
            unit_amount=line.unit_price.amount_minor,
            currency=line.unit_price.currency,
            added_at=line.added_at,
            updated_at=line.updated_at,
            listing_version=line.listing_version,
            price_changed_to_amount=line.price_changed_to.amount_minor if line.price_changed_to else None,
            price_changed_to_currency=line.price_changed_to.currency if line.price_changed_to else None,
            listing_ended=line.listing_ended or None,
            marked_by_event=line.marked_by_event,
        )
        try:
            item.save(
                condition=model.user_id.does_not_exist() | (model.listing_version <= line.listing_version)
            )
        except PutError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def remove(self, user_id: str, listing_id: str) -> None:
        self._model(user_id, listing_id).delete()

    def remove_unless_changed_since(self, user_id: str, listing_id: str, since: datetime) -> bool:
        model = self._model
        try:
            model(user_id, listing_id).delete(condition=model.updated_at <= _aware(since))
        except DeleteError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def holders(self, listing_id: str) -> list[str]:
        return [item.user_id for item in self._model.by_listing.query(listing_id)]

    def mark(self, user_id: str, listing_id: str, mark: LineMark) -> bool:
        model = self._model
        actions: list[Any] = [
            model.listing_version.set(mark.version),
            model.marked_by_event.set(mark.event_id),
        ]
        if mark.price_changed_to is not None:
            actions += [
                model.price_changed_to_amount.set(mark.price_changed_to.amount_minor),
                model.price_changed_to_currency.set(mark.price_changed_to.currency),
            ]
        if mark.ended:
            actions.append(model.listing_ended.set(True))
        try:
            model(user_id, listing_id).update(
                actions=actions,
                condition=model.user_id.exists() & (model.listing_version < mark.version),
            )
        except UpdateError as error:
            if _condition_failed(error):
                return False
            raise
        return True
