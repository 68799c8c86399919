"""What a buyer sends to the cart: ``PUT /cart/items/{listing_id}``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from workflows.shared.commands import Command


class SetQuantity(Command):
    """``PUT /cart/items/{listing_id}``: the quantity wanted (0 removes the line)."""

    quantity: Annotated[int, Field(strict=True, ge=0, le=10_000)]
