"""Payouts: a seller's net of each paid order, sent to their Stripe connected account.

The ``payout`` state machine (``statemachines/payout.json``) runs once per paid order (execution
``payout-<order_id>``, started by the ``OrderPaid`` event): it waits until the order is shipped
and its delivery confirmed (by the buyer, or automatically a configured number of days after
shipment), applies the holds (a new seller's first sales wait a configured number of days; an
open dispute or a cancellation stops the payout), transfers the net with ``source_transaction``
= the order's charge and ``transfer_group`` = the checkout, posts the ledger's ``transfer``
entry in the transaction that records the transfer, and tells the seller.

Time is the state machine's: a hold is a Wait state and auto-confirmation is the delivery wait's
timeout, so the steps never compare the wall clock with a deadline the machine already timed.

The read side (balance, payouts, sales report, an order's ledger for admins) is
:mod:`workflows.payouts.queries`; reconciliation with Stripe is
:mod:`workflows.payouts.reconciliation`.
"""
