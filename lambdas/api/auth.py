"""The caller of an API request, from the claims the Cognito authorizer verified."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from workflows.shared.errors import Unauthenticated
from workflows.shared.identity import Caller

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver


def groups_claim(value: object) -> frozenset[str]:
    """``cognito:groups`` as API Gateway passes it: a list, "a,b", "[a b]" or a single name."""
    if isinstance(value, list):
        return frozenset(str(v) for v in value)
    if not isinstance(value, str) or not value.strip():
        return frozenset()
    return frozenset(part for part in re.split(r"[\s,\[\]]+", value) if part)


def caller(app: APIGatewayRestResolver) -> Caller:
    """The verified caller; a route without the authorizer has none (401, never a guess)."""
    authorizer = app.current_event.request_context.authorizer
    claims = (authorizer.claims if authorizer is not None else None) or {}
    if not claims.get("sub"):
        raise Unauthenticated("This route needs an 'Authorization: Bearer <id token>' header.")
    return Caller(
        user_id=str(claims["sub"]),
        email=str(claims.get("email", "")),
        roles=groups_claim(claims.get("cognito:groups")),
    )
