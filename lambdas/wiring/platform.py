"""Platform: the health probes (GET /health and the canary's step) and the OpenAPI function's
settings (which routes need no token, which modules serve routes: both from the topology)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from pydantic import Field

from lambdas.wiring import container, core
from lambdas.wiring.settings import Settings


class OpenApiSettings(Settings):
    """What the topology tells the OpenAPI function (``stacks/topology.py`` fills both in): the
    routes that need no token, and the handler modules of the functions that serve routes, in the
    topology's order (each has a module-level ``app`` resolver)."""

    public_routes: list[tuple[str, str]] = Field(default_factory=list, validation_alias="PUBLIC_ROUTES")
    api_modules: tuple[str, ...] = Field(min_length=1, validation_alias="API_MODULES")


class Platform:
    @cached_property
    def probes(self) -> dict[str, Any]:
        """PostgreSQL and MongoDB, each connected to when probed (not when built)."""
        from adapters.probes import MongoProbe, PostgresProbe

        c = core.wiring()
        return {"postgres": PostgresProbe(lambda: c.pg_pool), "mongodb": MongoProbe(lambda: c.mongo_db)}


def wiring() -> Platform:
    return container(Platform)
