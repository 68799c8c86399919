"""Messaging in MongoDB: conversations, messages, the unread read model, blocks, reports,
pending image uploads and the rate-limit counters.

Document shapes (ids are strings, moments timezone-aware):

- ``conversations``: ``_id``, ``about``, ``listing_id`` (a listing conversation's; an order's
  conversation keeps it as ``subject_listing_id`` so the one-per-(listing, buyer) index ignores
  it), ``order_id``, ``buyer_id``, ``seller_id``, ``participant_ids``, ``title``,
  ``created_at``, ``last_message_at``, ``last_message`` (embedded), ``message_count`` (the last
  seq handed out), ``read_up_to`` ``{user_id: seq}``, ``notice_until`` ``{user_id: moment}``
  (a missed-message quiet period running for that recipient).
- ``messages``: ``_id``, ``conversation_id``, ``seq`` (1, 2, ... per conversation: the order of
  a conversation, whatever the clock says), ``sender_id``, ``body``, ``masked_body``,
  ``masked_kinds``, ``images``, ``created_at``, ``request_hash``.
- ``message_unread``: ``_id`` = ``<user_id>|<conversation_id>``, ``user_id``,
  ``conversation_id``, ``count``: only conversations with something unread have one, so a
  user's total is a sum over a handful of documents found by the ``user_id`` index.
- ``message_blocks``: ``_id`` = ``<blocker>|<blocked>``; ``message_reports``;
  ``message_images`` (pending uploads); ``message_rates`` (``_id`` = the window's key,
  ``count``, ``expires_at`` with a TTL index).

No positional ``$`` update and no ``arrayFilters`` (the local stand-in ignores them): per-user
fields are keyed by user id under an object (``read_up_to.<user_id>``). A moment an update
writes is inside an embedded document or an integer (``activity_ms``, the inbox's sort key, in
MongoDB's millisecond precision): the stand-in stores a top-level date of a ``$set`` as text.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import AutoReconnect, DuplicateKeyError, NetworkTimeout, ServerSelectionTimeoutError

from workflows.messaging.model import (
    Block,
    Conversation,
    LastMessage,
    Message,
    MessageImage,
    NoticeClaim,
    PendingImage,
    Report,
)
from workflows.messaging.ports import ListingSubject
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

    from pymongo.database import Database

    from workflows.messaging.model import ReportStatus

Doc = dict[str, Any]
TRANSIENT = (AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError)


def _guarded(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except TRANSIENT as exc:
        raise TransientError(f"MongoDB is unavailable: {exc}") from exc


def _ms(moment: datetime) -> int:
    """A moment as MongoDB keeps it: whole milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def _key(user_id: str) -> str:
    """A user id as a field name (ids are Cognito subs; a dot or ``$`` would be a path)."""
    return user_id.replace(".", "%2E").replace("$", "%24")


# ---------------------------------------------------------------------------- conversations


def _conversation(doc: Doc) -> Conversation:
    last = doc.get("last_message")
    reads = doc.get("read_up_to") or {}
    notices = doc.get("notice_until") or {}
    return Conversation(
        id=doc["_id"],
        about=doc["about"],
        buyer_id=doc["buyer_id"],
        seller_id=doc["seller_id"],
        listing_id=doc.get("listing_id") or doc.get("subject_listing_id"),
        order_id=doc.get("order_id"),
        title=doc["title"],
        created_at=doc["created_at"],
        last_message_at=last["created_at"] if last else doc["last_message_at"],
        last_message=(
            LastMessage(
                message_id=last["message_id"],
                sender_id=last["sender_id"],
                body=last["body"],
                masked_body=last.get("masked_body"),
                created_at=last["created_at"],
            )
            if last
            else None
        ),
        read_up_to={user: int(reads.get(_key(user), 0)) for user in (doc["buyer_id"], doc["seller_id"])},
        message_count=int(doc.get("message_count", 0)),
        notices={
            user: NoticeClaim(claim["wait_key"], int(claim["since_seq"]))
            for user in (doc["buyer_id"], doc["seller_id"])
            if isinstance(claim := notices.get(_key(user)), dict)
        },
    )


class MongoConversations:
    def __init__(self, db: Database[Doc]) -> None:
        self._c = db["conversations"]

    def get(self, conversation_id: str) -> Conversation | None:
        doc = _guarded(lambda: self._c.find_one({"_id": conversation_id}))
        return _conversation(doc) if doc else None

    def add(self, conversation: Conversation) -> Conversation:
        doc: Doc = {
            "_id": conversation.id,
            "about": conversation.about,
            "order_id": conversation.order_id,
            "buyer_id": conversation.buyer_id,
            "seller_id": conversation.seller_id,
            "participant_ids": list(conversation.participant_ids),
            "title": conversation.title,
            "created_at": conversation.created_at,
            "last_message_at": conversation.last_message_at,
            "activity_ms": _ms(conversation.last_message_at),
            "last_message": None,
            "message_count": 0,
            "read_up_to": {},
            "notice_until": {},
        }
        if conversation.about == "listing":
            doc["listing_id"] = conversation.listing_id
        else:
            doc["subject_listing_id"] = conversation.listing_id
        # a concurrent first message may have created it: the stored one is the conversation
        with contextlib.suppress(DuplicateKeyError):
            _guarded(lambda: self._c.insert_one(doc))
        stored = self.get(conversation.id)
        if stored is None:
            raise RuntimeError(f"conversation {conversation.id} was neither created nor found")
        return stored

    def of_user(self, user_id: str, *, limit: int, before: tuple[datetime, str] | None) -> list[Conversation]:
        query: Doc = {"participant_ids": user_id, "last_message": {"$ne": None}}
        if before is not None:
            moment, last_id = before
            query["$or"] = [
                {"activity_ms": {"$lt": _ms(moment)}},
                {"activity_ms": _ms(moment), "_id": {"$lt": last_id}},
            ]
        cursor = self._c.find(query).sort([("activity_ms", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [_conversation(doc) for doc in _guarded(lambda: list(cursor))]

    def next_seq(self, conversation_id: str) -> int:
        doc = _guarded(
            lambda: self._c.find_one_and_update(
                {"_id": conversation_id},
                {"$inc": {"message_count": 1}},
                projection={"message_count": 1},
                return_document=ReturnDocument.AFTER,
            )
        )
        if doc is None:
            raise RuntimeError(f"no conversation {conversation_id}")
        return int(doc["message_count"])

    def record_last(self, conversation_id: str, last: LastMessage, seq: int) -> None:
        _guarded(
            lambda: self._c.update_one(
                {
                    "_id": conversation_id,
                    "$or": [{"last_seq": {"$lt": seq}}, {"last_seq": {"$exists": False}}],
                },
                {
                    "$set": {
                        "last_seq": seq,
                        "activity_ms": _ms(last.created_at),
                        "last_message": {
                            "message_id": last.message_id,
                            "sender_id": last.sender_id,
                            "body": last.body,
                            "masked_body": last.masked_body,
                            "created_at": last.created_at,
                        },
                    }
                },
            )
        )

    def set_read(self, conversation_id: str, user_id: str, seq: int) -> int:
        field = f"read_up_to.{_key(user_id)}"
        doc = _guarded(
            lambda: self._c.find_one_and_update(
                {"_id": conversation_id},
                {"$max": {field: seq}},
                projection={"read_up_to": 1},
                return_document=ReturnDocument.AFTER,
            )
        )
        if doc is None:
            raise RuntimeError(f"no conversation {conversation_id}")
        return int((doc.get("read_up_to") or {}).get(_key(user_id), seq))

    def claim_notice(
        self, conversation_id: str, user_id: str, claim: NoticeClaim, *, now: datetime, until: datetime
    ) -> bool:
        field = f"notice_until.{_key(user_id)}"
        result = _guarded(
            lambda: self._c.update_one(
                {
                    "_id": conversation_id,
                    "$or": [{field: {"$exists": False}}, {f"{field}.until_ms": {"$lt": _ms(now)}}],
                },
                {
                    "$set": {
                        field: {
                            "until_ms": _ms(until),
                            "wait_key": claim.wait_key,
                            "since_seq": claim.since_seq,
                        }
                    }
                },
            )
        )
        return bool(result.modified_count)

    def release_notice(self, conversation_id: str, user_id: str) -> None:
        _guarded(
            lambda: self._c.update_one(
                {"_id": conversation_id}, {"$unset": {f"notice_until.{_key(user_id)}": ""}}
            )
        )


# ---------------------------------------------------------------------------- messages


def _message(doc: Doc) -> Message:
    return Message(
        id=doc["_id"],
        conversation_id=doc["conversation_id"],
        seq=int(doc["seq"]),
        sender_id=doc["sender_id"],
        body=doc["body"],
        masked_body=doc.get("masked_body"),
        masked_kinds=tuple(doc.get("masked_kinds") or ()),
        images=tuple(
            MessageImage(i["image_id"], i["key"], i["content_type"], int(i["size"]))
            for i in doc.get("images") or ()
        ),
        created_at=doc["created_at"],
        request_hash=doc["request_hash"],
    )


class MongoMessages:
    def __init__(self, db: Database[Doc]) -> None:
        self._c = db["messages"]

    def get(self, message_id: str) -> Message | None:
        doc = _guarded(lambda: self._c.find_one({"_id": message_id}))
        return _message(doc) if doc else None

    def add(self, message: Message) -> bool:
        doc = {
            "_id": message.id,
            "conversation_id": message.conversation_id,
            "seq": message.seq,
            "sender_id": message.sender_id,
            "body": message.body,
            "masked_body": message.masked_body,
            "masked_kinds": list(message.masked_kinds),
            "images": [
                {"image_id": i.image_id, "key": i.key, "content_type": i.content_type, "size": i.size}
                for i in message.images
            ],
            "created_at": message.created_at,
            "request_hash": message.request_hash,
        }
        try:
            _guarded(lambda: self._c.insert_one(doc))
        except DuplicateKeyError:
            return False
        return True

    def page(
        self, conversation_id: str, *, limit: int, after_seq: int | None, ascending: bool
    ) -> list[Message]:
        query: Doc = {"conversation_id": conversation_id}
        if after_seq is not None:
            query["seq"] = {"$gt": after_seq} if ascending else {"$lt": after_seq}
        direction = ASCENDING if ascending else DESCENDING
        cursor = self._c.find(query).sort("seq", direction).limit(limit)
        return [_message(doc) for doc in _guarded(lambda: list(cursor))]

    def count_from_after(self, conversation_id: str, sender_id: str, after_seq: int) -> int:
        return int(
            _guarded(
                lambda: self._c.count_documents(
                    {"conversation_id": conversation_id, "sender_id": sender_id, "seq": {"$gt": after_seq}}
                )
            )
        )

    def first_from_after(self, conversation_id: str, sender_id: str, after_seq: int) -> Message | None:
        doc = _guarded(
            lambda: self._c.find_one(
                {"conversation_id": conversation_id, "sender_id": sender_id, "seq": {"$gt": after_seq}},
                sort=[("seq", ASCENDING)],
            )
        )
        return _message(doc) if doc else None


# ---------------------------------------------------------------------------- unread counts


class MongoUnread:
    """Unread counts as a read model kept on write: ``add`` on a send, ``set`` on a read marker."""

    def __init__(self, db: Database[Doc]) -> None:
        self._c = db["message_unread"]

    @staticmethod
    def _id(user_id: str, conversation_id: str) -> str:
        return f"{user_id}|{conversation_id}"

    def add(self, user_id: str, conversation_id: str, count: int = 1) -> None:
        _guarded(
            lambda: self._c.update_one(
                {"_id": self._id(user_id, conversation_id)},
                {"$inc": {"count": count}, "$set": {"user_id": user_id, "conversation_id": conversation_id}},
                upsert=True,
            )
        )

    def set(self, user_id: str, conversation_id: str, count: int) -> None:
        key = self._id(user_id, conversation_id)
        if count <= 0:
            _guarded(lambda: self._c.delete_one({"_id": key}))
            return
        _guarded(
            lambda: self._c.update_one(
                {"_id": key},
                {"$set": {"count": count, "user_id": user_id, "conversation_id": conversation_id}},
                upsert=True,
            )
        )

    def of(self, user_id: str, conversation_ids: Sequence[str]) -> dict[str, int]:
        if not conversation_ids:
            return {}
        ids = [self._id(user_id, c) for c in conversation_ids]
        docs = _guarded(lambda: list(self._c.find({"_id": {"$in": ids}})))
        return {doc["conversation_id"]: max(int(doc["count"]), 0) for doc in docs}

    def total(self, user_id: str) -> int:
        docs = _guarded(lambda: list(self._c.find({"user_id": user_id}, projection={"count": 1})))
        return sum(max(int(doc["count"]), 0) for doc in docs)


# ---------------------------------------------------------------------------- blocks


class MongoBlocks:
    def __init__(self, db: Database[Doc]) -> None:
        self._c = db["message_blocks"]

    def add(self, block: Block) -> None:
        _guarded(
            lambda: self._c.update_one(
                {"_id": f"{block.blocker_id}|{block.blocked_id}"},
                {
                    "$setOnInsert": {
                        "blocker_id": block.blocker_id,
                        "blocked_id": block.blocked_id,
                        "created_at": block.created_at,
                    }
                },
                upsert=True,
            )
        )

    def remove(self, blocker_id: str, blocked_id: str) -> None:
        _guarded(lambda: self._c.delete_one({"_id": f"{blocker_id}|{blocked_id}"}))

    def between(self, a: str, b: str) -> bool:
        found = _guarded(
            lambda: self._c.find_one({"_id": {"$in": [f"{a}|{b}", f"{b}|{a}"]}}, projection={"_id": 1})
        )
        return found is not None

    def blocked_by(self, blocker_id: str, blocked_id: str) -> bool:
        return _guarded(lambda: self._c.find_one({"_id": f"{blocker_id}|{blocked_id}"})) is not None

    def of(self, blocker_id: str) -> list[Block]:
        docs = _guarded(lambda: list(self._c.find({"blocker_id": blocker_id}).sort("created_at", DESCENDING)))
        return [Block(d["blocker_id"], d["blocked_id"], d["created_at"]) for d in docs]


# ---------------------------------------------------------------------------- reports


def _report(doc: Doc) -> Report:
    return Report(
        id=doc["_id"],
        conversation_id=doc["conversation_id"],
        reporter_id=doc["reporter_id"],
        reason=doc["reason"],
        comment=doc.get("comment"),
        status=doc["status"],
        created_at=doc["created_at"],
        resolution=doc.get("resolution"),
        resolved_by=doc.get("resolved_by"),
        resolved_at=doc.get("resolved_at"),
        note=doc.get("note"),
    )


class MongoReports:
    def __init__(self, db: Database[Doc]) -> None:
        self._c = db["message_reports"]

    def add(self, report: Report) -> None:
        doc = {
            "_id": report.id,
            "conversation_id": report.conversation_id,
            "reporter_id": report.reporter_id,
            "reason": report.reason,
            "comment": report.comment,
            "status": report.status,
            "created_at": report.created_at,
        }
        with contextlib.suppress(DuplicateKeyError):  # a retried report: the first one stands
            _guarded(lambda: self._c.insert_one(doc))

    def get(self, report_id: str) -> Report | None:
        doc = _guarded(lambda: self._c.find_one({"_id": report_id}))
        return _report(doc) if doc else None

    def save(self, report: Report) -> bool:
        doc = {
            "conversation_id": report.conversation_id,
            "reporter_id": report.reporter_id,
            "reason": report.reason,
            "comment": report.comment,
            "status": report.status,
            "created_at": report.created_at,
            "resolution": report.resolution,
            "resolved_by": report.resolved_by,
            "resolved_at": report.resolved_at,
            "note": report.note,
        }
        # the whole document, replaced only while it is open: a resolution is written once
        result = _guarded(lambda: self._c.replace_one({"_id": report.id, "status": "open"}, doc))
        return bool(result.modified_count)

    def page(
        self, status: ReportStatus | None, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Report]:
        query: Doc = {} if status is None else {"status": status}
        if before is not None:
            moment, last_id = before
            query["$or"] = [{"created_at": {"$lt": moment}}, {"created_at": moment, "_id": {"$lt": last_id}}]
        cursor = self._c.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [_report(doc) for doc in _guarded(lambda: list(cursor))]


# ---------------------------------------------------------------------------- images and rates


class MongoPendingImages:
    def __init__(self, db: Database[Doc]) -> None:
        self._c = db["message_images"]

    def add(self, image: PendingImage) -> None:
        _guarded(
            lambda: self._c.insert_one(
                {
                    "_id": image.image_id,
                    "conversation_id": image.conversation_id,
                    "uploader_id": image.uploader_id,
                    "key": image.key,
                    "content_type": image.content_type,
                    "size": image.size,
                    "expires_at": image.expires_at,
                }
            )
        )

    def get_many(
        self, conversation_id: str, uploader_id: str, image_ids: Iterable[str]
    ) -> list[PendingImage]:
        query = {
            "_id": {"$in": list(image_ids)},
            "conversation_id": conversation_id,
            "uploader_id": uploader_id,
        }
        docs = _guarded(lambda: list(self._c.find(query)))
        return [
            PendingImage(
                d["_id"],
                d["conversation_id"],
                d["uploader_id"],
                d["key"],
                d["content_type"],
                int(d["size"]),
                d["expires_at"],
            )
            for d in docs
        ]


class MongoRateCounter:
    def __init__(self, db: Database[Doc]) -> None:
        self._c = db["message_rates"]

    def hit(self, key: str, *, expires_at: datetime) -> int:
        doc = _guarded(
            lambda: self._c.find_one_and_update(
                {"_id": key},
                {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": expires_at}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        )
        return int(doc["count"])


class MongoListingDirectory:
    """The listing a conversation is about: its seller and title, read from the catalog's
    ``listings`` collection (implements ``workflows.messaging.ports.ListingDirectory``)."""

    def __init__(self, db: Database[Doc]) -> None:
        self._c = db["listings"]

    def get(self, listing_id: str) -> ListingSubject | None:
        doc = _guarded(lambda: self._c.find_one({"_id": listing_id}, projection={"seller_id": 1, "title": 1}))
        return ListingSubject(doc["_id"], doc["seller_id"], doc["title"]) if doc else None
