"""MongoDB indexes, declared as data and created idempotently.

Document shapes these indexes assume (``adapters/mongo/catalog.py`` and the messaging adapter
follow them):

- ``listings``: ``seller_id``, ``status``, ``category_id``, ``category_path`` (ancestry),
  ``price`` as ``{"amount_minor": Int64, "currency": "EUR"}``, ``item_specifics`` as
  ``[{"name": "Brand", "value": "Trek"}, ...]``, ``promotion`` and ``deal`` embedded;
- ``categories``: ``slug`` (unique), ``parent_id`` (None at the root), ``path``;
- ``conversations``: ``listing_id``, ``buyer_id``, ``participant_ids``, ``activity_ms``;
- ``messages``: ``conversation_id``, ``created_at``, ``seq``, ``sender_id``;
- ``message_unread``, ``message_blocks``, ``message_reports``, ``message_images``, ``message_rates``
  (``adapters/mongo/messaging.py``).

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
from pymongo.errors import OperationFailure

if TYPE_CHECKING:
    from pymongo.database import Database


class Index(NamedTuple):
    collection: str
    keys: tuple[tuple[str, int | str], ...]
    #: ``name`` is required; the rest are MongoDB index options (unique, weights, ...)
    options: dict[str, Any]


INDEXES: tuple[Index, ...] = (
    # the catalog: listings (search reads the PostgreSQL read model, adapters/postgres/catalog_search.py)
    Index(
        "listings",
        (("seller_id", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)),
        {"name": "listings_seller_status"},
    ),
    Index("listings", (("category_id", ASCENDING),), {"name": "listings_category"}),
    # the catalog: categories
    Index("categories", (("parent_id", ASCENDING),), {"name": "categories_parent"}),
    Index("categories", (("slug", ASCENDING),), {"name": "categories_slug", "unique": True}),
    # messaging
    Index(
        "conversations",
        (("participant_ids", ASCENDING), ("activity_ms", DESCENDING)),
        {"name": "conversations_participant_activity"},
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
    # messaging: a conversation's messages in seq order, and a sender's after a read marker
    Index(
        "messages",
        (("conversation_id", ASCENDING), ("seq", ASCENDING)),
        {"name": "messages_conversation_seq", "unique": True},
    ),
    Index(
        "messages",
        (("conversation_id", ASCENDING), ("sender_id", ASCENDING), ("seq", ASCENDING)),
        {"name": "messages_conversation_sender_seq"},
    ),
    Index("message_unread", (("user_id", ASCENDING),), {"name": "message_unread_user"}),
    Index(
        "message_blocks",
        (("blocker_id", ASCENDING), ("created_at", DESCENDING)),
        {"name": "message_blocks_blocker"},
    ),
    Index(
        "message_reports",
        (("status", ASCENDING), ("created_at", DESCENDING)),
        {"name": "message_reports_status_created"},
    ),
    Index("message_reports", (("created_at", DESCENDING),), {"name": "message_reports_created"}),
    Index(
        "message_images",
        (("conversation_id", ASCENDING), ("uploader_id", ASCENDING)),
        {"name": "message_images_conversation_uploader"},
    ),
    Index(
        "message_images",
        (("expires_at", ASCENDING),),
        {"name": "message_images_ttl", "expireAfterSeconds": 86_400},
    ),
    Index(
        "message_rates",
        (("expires_at", ASCENDING),),
        {"name": "message_rates_ttl", "expireAfterSeconds": 0},
    ),
)


#: the catalog's own indexes (its functions ensure them once per cold start)
CATALOG_INDEXES: tuple[Index, ...] = tuple(i for i in INDEXES if i.collection in ("listings", "categories"))


def ensure_indexes(db: Database[Any], indexes: tuple[Index, ...] = INDEXES) -> list[str]:
    """Create ``indexes`` in ``db`` (one ``createIndexes`` per collection); idempotent.

    Returns ``"<collection>.<name>"`` of every index ensured, in declaration order.
    """
    by_collection: dict[str, list[IndexModel]] = defaultdict(list)
    text_indexes: list[Index] = []
    for index in indexes:
        if any(direction == TEXT for _, direction in index.keys):
            text_indexes.append(index)
            continue
        by_collection[index.collection].append(IndexModel(list(index.keys), **index.options))
    for collection, models in by_collection.items():
        db[collection].create_indexes(models)
    for index in text_indexes:
        try:
            db[index.collection].create_indexes([IndexModel(list(index.keys), **index.options)])
        except OperationFailure as exc:
            # nx-27017 re-fills an existing text index's FTS table on a second create, which fails
            # with "constraint failed" once the collection has documents: the index is there
            if "constraint failed" not in str(exc):
                raise
    return [f"{index.collection}.{index.options['name']}" for index in indexes]
