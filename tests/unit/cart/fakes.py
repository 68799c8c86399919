"""An in-memory cart store with the DynamoDB store's conditional semantics (the contract tests
in tests/integration/test_cart_dynamo.py run against both)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflows.cart.model import CartLine, LineMark


class InMemoryCarts:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], CartLine] = {}

    def lines(self, user_id: str) -> list[CartLine]:
        return [line for (user, _), line in sorted(self.items.items()) if user == user_id]

    def get(self, user_id: str, listing_id: str) -> CartLine | None:
        return self.items.get((user_id, listing_id))

    def put(self, line: CartLine) -> bool:
        stored = self.items.get((line.user_id, line.listing_id))
        if stored is not None and stored.listing_version > line.listing_version:
            return False
        self.items[(line.user_id, line.listing_id)] = line
        return True

    def remove(self, user_id: str, listing_id: str) -> None:
        self.items.pop((user_id, listing_id), None)

    def remove_unless_changed_since(self, user_id: str, listing_id: str, since) -> bool:
        line = self.items.get((user_id, listing_id))
        if line is None or line.updated_at > since:
            return False
        del self.items[(user_id, listing_id)]
        return True

    def holders(self, listing_id: str) -> list[str]:
        return sorted(user for (user, listing), _ in self.items.items() if listing == listing_id)

    def mark(self, user_id: str, listing_id: str, mark: LineMark) -> bool:
        stored = self.items.get((user_id, listing_id))
        if stored is None or stored.listing_version >= mark.version:
            return False
        self.items[(user_id, listing_id)] = replace(
            stored,
            listing_version=mark.version,
            marked_by_event=mark.event_id,
            price_changed_to=mark.price_changed_to or stored.price_changed_to,
            listing_ended=stored.listing_ended or mark.ended,
        )
        return True
