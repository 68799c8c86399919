"""OpenAPI responses every API module shares: each error status with the codes it carries.

The body is the API's one error shape, the ``Error`` schema that ``lambdas.api.openapi`` puts in
the merged document's components.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

ERROR_REF = "#/components/schemas/Error"


def error_responses(described: dict[int, str]) -> dict[int, OpenAPIResponse]:
    """Powertools' ``responses=``: status → the error codes it carries, in words."""
    return {
        status: {"description": text, "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}
        for status, text in described.items()
    }
