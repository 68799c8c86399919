"""What an order's other readers need of messaging: the id of the order's conversation.

Kept apart from the messaging service so that the order's timeline (the checkout API) imports
this, not the whole service and its models (a third of that function's cold start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from workflows.messaging.ports import Conversations


def order_conversation_key(order_id: str) -> str:
    """The id an order's conversation is created under (once per order)."""
    return derived_id("conversation", "order", order_id)


def order_conversation_id(conversations: Conversations, user_id: str, order_id: str) -> str | None:
    """The id of the order's conversation, if it has one and ``user_id`` takes part in it (the
    order's timeline names it)."""
    found = conversations.get(order_conversation_key(order_id))
    return found.id if found is not None and found.has(user_id) else None
