"""How pynamodb models reach DynamoDB (an endpoint override reaches the local cloud)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DynamoConnection:
    region: str
    endpoint_url: str | None = None

    def meta_attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {"region": self.region}
        if self.endpoint_url:
            attributes["host"] = self.endpoint_url
        return attributes
