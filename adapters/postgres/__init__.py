"""PostgreSQL: the connection pool (``pool``), schema migrations (``migrate``, ``migrations/``)."""
