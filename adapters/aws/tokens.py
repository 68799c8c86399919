"""Cognito id tokens verified as API Gateway's Cognito authorizer verifies them.

The WebSocket API's REQUEST authorizer uses this (a browser cannot set headers on a WebSocket,
so the token comes as the ``token`` query string parameter): the signature against the user
pool's JWKS, the issuer, the audience (the app client), ``token_use`` = ``id``, and the expiry
on the platform's clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jwt

if TYPE_CHECKING:
    from workflows.shared.clock import Clock

#: how far ahead of the clock a token's ``iat`` may be
LEEWAY_S = 5


class InvalidToken(Exception):
    """The token is not a valid, unexpired id token of this user pool."""


class CognitoTokenVerifier:
    def __init__(self, *, jwks_url: str, issuer: str, audience: str, clock: Clock) -> None:
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True)
        self._issuer = issuer
        self._audience = audience
        self._clock = clock

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; :class:`InvalidToken` for anything else."""
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                # times are checked on the platform's clock below (the local cloud's may be ahead)
                options={
                    "require": ["exp", "iat", "sub", "token_use"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except (jwt.PyJWTError, ValueError, KeyError) as exc:
            raise InvalidToken(str(exc)) from exc
        if claims.get("token_use") != "id":
            raise InvalidToken("not an id token")
        now = self._clock.now().timestamp()
        if float(claims["exp"]) <= now:
            raise InvalidToken("token expired")
        if float(claims["iat"]) > now + LEEWAY_S:
            raise InvalidToken("token issued in the future")
        return claims
