"""Fulfilment: the seller ships, the buyer confirms delivery (or it is confirmed for them a
configured number of days after shipment), and either party may cancel before shipment.

Each change is one PostgreSQL transaction (the order's status, its shipment or cancellation
row and, for a cancellation, the ledger's refund entries). After the commit the payout
workflow is told (``deliver_event`` under ``shipment:<order_id>`` / ``delivery:<order_id>``),
the items of a cancelled order go back in stock, and the other party is notified. Those steps
are idempotent, so a retried request repeats them safely.
"""
