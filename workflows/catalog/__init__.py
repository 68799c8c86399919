"""The catalog: categories with item specifics, listings, images, search, promotions, deals,
watchlists and saved searches. Pure: ports are Protocols in :mod:`workflows.catalog.ports`."""
