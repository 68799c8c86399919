"""What can go wrong reading orders, each with its stable code (the class is the error name)."""

from __future__ import annotations

from workflows.shared.errors import NotFound


class OrderNotFound(NotFound):
    code = "ORDER_NOT_FOUND"
