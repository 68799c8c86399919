"""Catalog: categories, listings, images, search, promotions, deals, watchlist."""

from __future__ import annotations

from stacks.model import Capability

CATALOG = Capability("catalog")
