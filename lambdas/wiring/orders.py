"""Orders (PostgreSQL): the read side for buyers and sellers. Checkout writes orders and the
ledger on one connection (``adapters.postgres.ledger.unit_of_work``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from lambdas.wiring import container, core

if TYPE_CHECKING:
    from workflows.orders.service import OrderQueries


class Orders:
    @cached_property
    def queries(self) -> OrderQueries:
        from adapters.postgres.orders import PostgresOrderReader
        from workflows.orders.service import OrderQueries

        return OrderQueries(PostgresOrderReader(core.wiring().pg_pool))


def wiring() -> Orders:
    return container(Orders)
