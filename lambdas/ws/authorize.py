"""The WebSocket API's REQUEST authorizer of ``$connect``: the Cognito id token of ``?token=``.

Browsers cannot set headers on a WebSocket, so the id token is the ``token`` query string
parameter (the authorizer's identity source). A valid, unexpired id token of the user pool is
allowed, with the user in the policy's context (``$connect`` records the connection under it);
anything else is ``Unauthorized`` (API Gateway answers 401 and never opens the socket).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import messaging

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from adapters.aws.tokens import InvalidToken

    token = (event.get("queryStringParameters") or {}).get("token") or ""
    try:
        claims = messaging.wiring().verifier.verify(token)
    except InvalidToken as exc:
        logger.info("websocket connection refused", extra={"reason": str(exc)})
        raise PermissionError("Unauthorized") from None  # API Gateway's 401 for a REQUEST authorizer
    groups = claims.get("cognito:groups") or []
    return {
        "principalId": str(claims["sub"]),
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event.get("methodArn", "*")}
            ],
        },
        "context": {
            "user_id": str(claims["sub"]),
            "groups": ",".join(groups) if isinstance(groups, list) else str(groups),
        },
    }
