"""OpenAPI pieces the catalog handlers share: responses naming the error codes of each status.

The body of every error is the document's ``Error`` schema (``lambdas/api/openapi.py`` defines it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

ERROR_REF = "#/components/schemas/Error"


def errors(described: dict[int, str]) -> dict[int, OpenAPIResponse]:
    """Powertools' ``responses=``: each status with the error codes it carries."""
    return {
        status: {"description": text, "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}
        for status, text in described.items()
    }
