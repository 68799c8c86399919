"""MongoDB indexes, declared as data and created idempotently.

Document shapes these indexes assume (the catalog and messaging adapters follow them):

- ``listings``: ``seller_id``, ``status``, ``category_id``, ``price`` as
  ``{"amount_minor": Int64, "currency": "EUR"}``, ``title``, ``description``,
  ``item_specifics`` as ``[{"name": "Brand", "value": "Trek"}, ...]``, ``created_at``;
- ``categories``: ``slug`` (unique), ``parent_id`` (None at the root);
- ``conversations``: ``listing_id``, ``buyer_id``, ``participant_ids``, ``last_message_at``;
- ``messages``: ``conversation_id``, ``created_at``;
- ``deals``: ``seller_id``, ``status``, ``starts_at``, ``ends_at``, ``listing_ids``.

Every index has a stable name: MongoDB treats re-creating an index with the same name, keys and
options as a no-op, so :func:`ensure_indexes` can run on every start. Changing an index means a
new name (and dropping the old one), never new options under an old name.

The local stand-in, nx-27017, keeps to a subset: it names indexes itself, ignores key direction
and text weights/language, and answers ``$text`` queries even without a text index. Unique,
compound and multikey indexes behave as on MongoDB.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, NamedTuple

from pymongo import ASCENDING, DESCENDING, TEXT, IndexModel

if TYPE_CHECKING:
    from pymongo.database import Database


class Index(NamedTuple):
    collection: str
    keys: tuple[tuple[str, int | str], ...]
    #: ``name`` is required; the rest are MongoDB index options (unique, weights, ...)
    options: dict[str, Any]


INDEXES: tuple[Index, ...] = (
    # the catalog: listings
    Index(
        "listings",
        (("seller_id", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)),
        {"name": "listings_seller_status"},
    ),
    Index(
        "listings",
        (("category_id", ASCENDING), ("status", ASCENDING), ("price.amount_minor", ASCENDING)),
        {"name": "listings_category_status_price"},
    ),
    Index(
        "listings",
        (("title", TEXT), ("description", TEXT), ("item_specifics.value", TEXT)),
        {
            "name": "listings_text",
            "weights": {"title": 10, "item_specifics.value": 5, "description": 1},
            "default_language": "english",
        },
    ),
    Index("listings", (("created_at", DESCENDING),), {"name": "listings_created_at"}),
    # the catalog: categories
    Index("categories", (("parent_id", ASCENDING),), {"name": "categories_parent"}),
    Index("categories", (("slug", ASCENDING),), {"name": "categories_slug", "unique": True}),
    # messaging
    Index(
        "conversations",
        (("participant_ids", ASCENDING), ("last_message_at", DESCENDING)),
        {"name": "conversations_participant_recent"},
    ),
    Index(
        "conversations",
        (("listing_id", ASCENDING), ("buyer_id", ASCENDING)),
        {
            "name": "conversations_listing_buyer",
            "unique": True,  # one conversation per buyer and listing
            "partialFilterExpression": {"listing_id": {"$type": "string"}},
        },
    ),
    Index(
        "messages",
        (("conversation_id", ASCENDING), ("created_at", ASCENDING)),
        {"name": "messages_conversation_created"},
    ),
    # deals and promotions
    Index(
        "deals",
        (("status", ASCENDING), ("starts_at", ASCENDING), ("ends_at", ASCENDING)),
        {"name": "deals_status_window"},
    ),
    Index("deals", (("seller_id", ASCENDING), ("status", ASCENDING)), {"name": "deals_seller_status"}),
    Index("deals", (("listing_ids", ASCENDING),), {"name": "deals_listings"}),
)


def ensure_indexes(db: Database[Any], indexes: tuple[Index, ...] = INDEXES) -> list[str]:
    """Create ``indexes`` in ``db`` (one ``createIndexes`` per collection); idempotent.

    Returns ``"<collection>.<name>"`` of every index ensured, in declaration order.
    """
    by_collection: dict[str, list[IndexModel]] = defaultdict(list)
    for index in indexes:
        by_collection[index.collection].append(IndexModel(list(index.keys), **index.options))
    for collection, models in by_collection.items():
        db[collection].create_indexes(models)
    return [f"{index.collection}.{index.options['name']}" for index in indexes]
