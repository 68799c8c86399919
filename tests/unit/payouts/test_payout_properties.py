"""Property: whatever the sequence of payments, cancellations, shipments, payouts and Stripe's
(duplicated) transfer events, the ledger balances and the seller is never paid more than buyers
paid less fees and refunds (in-memory books; tests/integration/test_payouts_postgres.py runs the
same sequences on PostgreSQL)."""

from __future__ import annotations

from hypothesis import given, settings

from tests.unit.payouts.sequences import OPERATIONS, run
from tests.unit.payouts.world import World


@settings(max_examples=150, deadline=None)
@given(operations=OPERATIONS)
def test_given_any_sequence_then_the_ledger_balances_and_the_seller_is_never_overpaid(operations) -> None:
    world = World()
    run(world, operations, world.books.ledger.entries_for_order)
