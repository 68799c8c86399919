"""Search: the query, its results, opaque keyset cursors and in-memory matching (saved searches)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workflows.catalog.model import Condition, Listing, ListingStatus
from workflows.shared.errors import InvalidCursor

MAX_TERMS = 10
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_WORD = re.compile(r"[^\W_]+")


class Sort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


def terms(text: str | None) -> list[str]:
    """The words of ``text``: lowercase letters and digits, unique, in order, at most ten."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        seen.setdefault(word, None)
    return list(seen)[:MAX_TERMS]


@dataclass(frozen=True)
class SearchQuery:
    text: str | None = None
    category_id: str | None = None
    condition: Condition | None = None
    min_price: int | None = None
    max_price: int | None = None
    seller_id: str | None = None
    sort: Sort = Sort.RELEVANCE
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    @property
    def terms(self) -> list[str]:
        return terms(self.text)

    def criteria(self) -> dict[str, Any]:
        """The filters alone (what a saved search keeps)."""
        out: dict[str, Any] = {
            "q": self.text,
            "category_id": self.category_id,
            "condition": self.condition.value if self.condition else None,
            "min_price": self.min_price,
            "max_price": self.max_price,
            "seller_id": self.seller_id,
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class Facets:
    categories: dict[str, int] = field(default_factory=dict)
    conditions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchPage:
    listings: list[Listing]
    next_cursor: str | None
    facets: Facets | None = None


def encode_cursor(sort: Sort, key: list[Any]) -> str:
    raw = json.dumps({"s": sort.value, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> list[Any]:
    """The keyset position a cursor holds; it must come from a search with the same sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        key = data["k"]
        if data["s"] != sort.value or not isinstance(key, list):
            raise InvalidCursor("This cursor belongs to a search with another sort order.")
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("The cursor is not one this API gave out.") from exc
    return key


def listing_words(listing: Listing) -> set[str]:
    text = " ".join(
        [listing.title, listing.description, *(f"{s.name} {s.value}" for s in listing.item_specifics)]
    )
    return set(terms_all(text))


def terms_all(text: str) -> list[str]:
    """Every word of ``text`` (no limit): what a document is indexed under."""
    return _WORD.findall(text.lower())


def matches(query: SearchQuery, listing: Listing) -> bool:  # noqa: PLR0911 - one return per filter
    """Would ``listing`` be found by ``query``? (Saved searches, evaluated on a new listing.)"""
    if listing.status != ListingStatus.ACTIVE:
        return False
    if query.category_id and query.category_id not in listing.category_path:
        return False
    if query.condition and listing.condition != query.condition:
        return False
    if query.seller_id and listing.seller_id != query.seller_id:
        return False
    price = listing.price.amount_minor
    if query.min_price is not None and price < query.min_price:
        return False
    if query.max_price is not None and price > query.max_price:
        return False
    wanted = query.terms
    return not wanted or set(wanted) <= listing_words(listing)
