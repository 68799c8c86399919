"""Identifiers: deterministic where retries happen, random only at the edge."""

from __future__ import annotations

import uuid

#: the namespace for every UUIDv5 the platform derives from a business key
NAMESPACE = uuid.UUID("6f1d4a52-9c1e-5b7a-8e0f-3c2d9a7b4e11")


def derived_id(*parts: str) -> str:
    """A stable id for a business key: the same parts always give the same id (retry-safe)."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def new_id() -> str:
    """A fresh random id, for things created at the edge (a request, a new upload)."""
    return str(uuid.uuid4())
