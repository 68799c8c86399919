"""Orders: one per seller of a checkout, kept in PostgreSQL; read by their buyer and their seller.

Checkout creates orders and moves them through their statuses (writing the ledger's entries in
the same transaction); this package holds the records and the read side (``GET /orders``).
"""
