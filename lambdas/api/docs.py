"""OpenAPI responses every API module shares: each error status with the codes it carries.

A route declares the error classes it may answer with, never their codes as words: each class
gives its code and, through the resolver's one mapping (``lambdas.api.resolver.status_of``), its
status, so what the document says a route answers is what the route raises. The body is the
API's one error shape, the ``Error`` schema that ``lambdas.api.openapi`` puts in the merged
document's components.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.api.resolver import status_of

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

    from workflows.shared.errors import ResaleError

    #: an error class a route answers with, or the class with a note on its details for clients
    Documented = type[ResaleError] | tuple[type[ResaleError], str]

ERROR_REF = "#/components/schemas/Error"


def error_responses(*errors: Documented) -> dict[int, OpenAPIResponse]:
    """Powertools' ``responses=``: each status with the codes of the given classes that carry it,
    in the order given (a class given twice is named once), e.g. ``"CART_EMPTY, PRICE_CHANGED
    (details.changes)"`` for ``error_responses(CartEmpty, (PriceChanged, "details.changes"))``."""
    described: dict[int, dict[str, str]] = {}
    for error in errors:
        cls, note = error if isinstance(error, tuple) else (error, "")
        codes = described.setdefault(int(status_of(cls)), {})
        if cls.code not in codes or note:
            codes[cls.code] = f"{cls.code} ({note})" if note else cls.code
    return {
        status: {
            "description": ", ".join(codes.values()),
            "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
        }
        for status, codes in sorted(described.items())
    }
