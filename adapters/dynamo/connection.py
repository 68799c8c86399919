"""How pynamodb models reach DynamoDB (an endpoint override reaches the local cloud)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

_M = TypeVar("_M")


@dataclass(frozen=True)
class DynamoConnection:
    region: str
    endpoint_url: str | None = None

    def meta_attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {"region": self.region}
        if self.endpoint_url:
            attributes["host"] = self.endpoint_url
        return attributes

    def bind(self, model: type[_M], table_name: str) -> type[_M]:
        """A subclass of ``model`` reaching ``table_name`` through this connection.

        Table names are known only at run time (from settings), so models are bound then;
        pynamodb copies a model's indexes onto the subclass, bound to it too.
        """
        meta = type("Meta", (), {"table_name": table_name, **self.meta_attributes()})
        bound: type[_M] = type(f"Bound{model.__name__}", (model,), {"Meta": meta})
        return bound
