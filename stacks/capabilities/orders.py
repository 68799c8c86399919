"""Orders: the read API of the orders (PostgreSQL) for their buyers and sellers.

Checkout (which creates orders and posts the ledger) and payouts add their functions here.
"""

from __future__ import annotations

from stacks.model import Capability, Function, FunctionTarget, Route

ORDERS = Capability(
    "orders",
    functions=(
        Function(
            "api-orders",
            handler="lambdas.api.orders.handler",
            description="GET /orders, GET /orders/{order_id}: the caller's orders as buyer or seller.",
            uses_postgres=True,
            service="orders",
        ),
    ),
    routes=(
        Route("GET", "/orders", "user", FunctionTarget("api-orders")),
        Route("GET", "/orders/{order_id}", "user", FunctionTarget("api-orders")),
    ),
)
