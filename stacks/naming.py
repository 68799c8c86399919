"""Names: construct ids and physical names derived from the topology's logical names."""

from __future__ import annotations

#: tag that carries a resource's logical (topology) name, for operators and for tests
LOGICAL_NAME_TAG = "resale:name"


def construct_id(logical_name: str) -> str:
    """``task-tokens`` → ``TaskTokens``: a stable, readable construct id."""
    return "".join(part[:1].upper() + part[1:] for part in logical_name.replace("_", "-").split("-"))


def physical_name(prefix: str, logical_name: str, max_length: int = 64) -> str:
    """``resale-dev`` + ``stripe-events`` → ``resale-dev-stripe-events`` (fails if too long)."""
    name = f"{prefix}-{logical_name}"
    if len(name) > max_length:
        raise ValueError(f"physical name {name!r} is longer than {max_length} characters")
    return name
