"""Fulfilment's errors, with the HTTP class their base gives them (resolver registry)."""

from __future__ import annotations

from workflows.shared.errors import Conflict
from workflows.shared.identity import Forbidden


class NotTheSeller(Forbidden):
    code = "ONLY_THE_SELLER_SHIPS"


class NotTheBuyer(Forbidden):
    code = "ONLY_THE_BUYER_CONFIRMS_DELIVERY"


class OrderNotShippable(Conflict):
    code = "ORDER_NOT_SHIPPABLE"


class OrderAlreadyShipped(Conflict):
    code = "ORDER_ALREADY_SHIPPED"


class OrderNotShipped(Conflict):
    code = "ORDER_NOT_SHIPPED"


class OrderNotCancellable(Conflict):
    code = "ORDER_NOT_CANCELLABLE"
