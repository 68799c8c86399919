"""Watchlists and saved searches in DynamoDB (pynamodb).

``watchlists``: one item per (user, listing), GSI ``by-listing`` to find a listing's watchers.
``saved-searches``: one item per (user, search); ``last_notified_on`` (a UTC day) is set with a
conditional update, so a saved search alerts its owner at most once a day.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from workflows.catalog.ports import SavedSearch, WatchEntry

if TYPE_CHECKING:
    from collections.abc import Iterator

    from adapters.dynamo.connection import DynamoConnection


class ByListing(GlobalSecondaryIndex["WatchItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by-listing"
        projection = AllProjection()

    listing_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class WatchItem(Model):
    class Meta:
        table_name = "watchlists"

    user_id = UnicodeAttribute(hash_key=True)
    listing_id = UnicodeAttribute(range_key=True)
    added_at = UTCDateTimeAttribute()
    by_listing = ByListing()


class SavedSearchItem(Model):
    class Meta:
        table_name = "saved-searches"

    user_id = UnicodeAttribute(hash_key=True)
    search_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    criteria = UnicodeAttribute()  # JSON
    created_at = UTCDateTimeAttribute()
    last_notified_on = UnicodeAttribute(null=True)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class DynamoWatchlists:
    """Implements ``workflows.catalog.ports.Watchlists``."""

    def __init__(self, connection: DynamoConnection, table_name: str) -> None:
        # pynamodb copies the by-listing index onto the subclass, bound to it
        model = connection.bind(WatchItem, table_name)
        self._model = model

    def add(self, entry: WatchEntry) -> None:
        model = self._model
        try:
            model(entry.user_id, entry.listing_id, added_at=entry.added_at).save(
                condition=model.user_id.does_not_exist()
            )
        except Exception as exc:
            if "ConditionalCheckFailed" not in str(exc):
                raise

    def remove(self, user_id: str, listing_id: str) -> None:
        self._model(user_id, listing_id).delete()

    def of_user(self, user_id: str) -> list[WatchEntry]:
        return [
            WatchEntry(item.user_id, item.listing_id, _aware(item.added_at))
            for item in self._model.query(user_id)
        ]

    def watchers(self, listing_id: str) -> list[str]:
        return [item.user_id for item in self._model.by_listing.query(listing_id)]


class DynamoSavedSearches:
    """Implements ``workflows.catalog.ports.SavedSearches``."""

    def __init__(self, connection: DynamoConnection, table_name: str) -> None:
        self._model = connection.bind(SavedSearchItem, table_name)

    @staticmethod
    def _from(item: SavedSearchItem) -> SavedSearch:
        return SavedSearch(
            user_id=item.user_id,
            search_id=item.search_id,
            name=item.name,
            criteria=json.loads(item.criteria),
            created_at=_aware(item.created_at),
            last_notified_on=item.last_notified_on,
        )

    def add(self, search: SavedSearch) -> None:
        self._model(
            search.user_id,
            search.search_id,
            name=search.name,
            criteria=json.dumps(search.criteria, sort_keys=True),
            created_at=search.created_at,
        ).save()

    def of_user(self, user_id: str) -> list[SavedSearch]:
        return [self._from(item) for item in self._model.query(user_id)]

    def get(self, user_id: str, search_id: str) -> SavedSearch | None:
        try:
            return self._from(self._model.get(user_id, search_id))
        except DoesNotExist:
            return None

    def delete(self, user_id: str, search_id: str) -> bool:
        try:
            item = self._model.get(user_id, search_id)
        except DoesNotExist:
            return False
        item.delete()
        return True

    def every(self) -> Iterator[SavedSearch]:
        for item in self._model.scan():
            yield self._from(item)

    def mark_notified(self, user_id: str, search_id: str, day: str) -> bool:
        model = self._model
        item = model(user_id, search_id)
        try:
            item.update(
                actions=[model.last_notified_on.set(day)],
                condition=model.user_id.exists()
                & (model.last_notified_on.does_not_exist() | (model.last_notified_on != day)),
            )
        except UpdateError as exc:
            # only the condition says "alerted already today (or no such search)"; anything else
            # (a throttle, a missing table, an outage) is raised, never read as "already alerted"
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
