"""Every API handler module (each has a module-level ``app`` resolver): the OpenAPI document is
generated from all of them. Add a module here when you add one."""

from __future__ import annotations

API_MODULES: tuple[str, ...] = (
    "lambdas.api.health",
    "lambdas.api.openapi",
)
