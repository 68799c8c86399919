"""What the cart API answers (the OpenAPI document is generated from these models)."""

from __future__ import annotations

from typing import Literal

from workflows.shared.views import MoneyView, Timestamp, View

LineStatus = Literal["active", "ended", "sold_out"]
LineProblem = Literal["listing_ended", "listing_not_found", "sold_out", "quantity_not_available"]


class CartLineView(View):
    listing_id: str
    seller_id: str
    #: the listing's title now (null when the listing no longer exists)
    title: str | None
    quantity: int
    #: what one unit costs now: the catalog's effective price (a deal applied)
    unit_price: MoneyView
    line_total: MoneyView
    #: true when ``unit_price`` differs from the price the buyer saw when adding the line
    price_changed: bool
    #: the price seen when the line was added (set only when ``price_changed``)
    previous_price: MoneyView | None
    #: can be bought now at this quantity (if not, the line is left out of the subtotals)
    available: bool
    quantity_available: int
    status: LineStatus
    #: why the line is not available (null when it is)
    problem: LineProblem | None
    added_at: Timestamp
    updated_at: Timestamp


class CartView(View):
    items: list[CartLineView]
    #: per currency, integer minor units, of the available lines only
    subtotals: list[MoneyView]
    unavailable_count: int
