"""The cart's ports: where lines are kept, and how listings are read from the catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from workflows.cart.model import CartLine, LineMark
    from workflows.catalog.model import Listing


class CartStore(Protocol):
    def lines(self, user_id: str) -> list[CartLine]:
        """The user's lines, by listing id."""
        ...

    def get(self, user_id: str, listing_id: str) -> CartLine | None: ...

    def put(self, line: CartLine) -> bool:
        """Write the line, unless a newer listing version is stored on it (then ``False``)."""
        ...

    def remove(self, user_id: str, listing_id: str) -> None:
        """Remove the line (no error if it is not there)."""
        ...

    def remove_unless_changed_since(self, user_id: str, listing_id: str, since: datetime) -> bool:
        """Remove the line if it was last set at or before ``since`` (a line put in the cart again
        after a checkout began is the buyer's new wish, not what they bought); True if removed."""
        ...

    def holders(self, listing_id: str) -> list[str]:
        """The users with this listing in their cart."""
        ...

    def mark(self, user_id: str, listing_id: str, mark: LineMark) -> bool:
        """Apply ``mark`` if the line exists and its ``listing_version`` is older; ``True`` if applied."""
        ...


class ListingReader(Protocol):
    def get_many(self, listing_ids: Iterable[str]) -> list[Listing]:
        """The listings that exist, in one read (missing ids are left out)."""
        ...
