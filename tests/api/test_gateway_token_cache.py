"""The gateway keeps the claims of tokens it verified (as API Gateway caches an authorizer's
answer); the times are still checked on every request, and a token it has not verified is."""

from __future__ import annotations

from typing import TYPE_CHECKING

import jwt
import pytest

from tests.fixtures.users import create_user

if TYPE_CHECKING:
    from local.runtime import LocalCloud


def test_given_a_verified_token_when_the_clock_passes_its_expiry_then_it_is_refused_all_the_same(
    cloud: LocalCloud,
) -> None:
    assert cloud.gateway is not None
    verifier = cloud.gateway.verifier
    token = create_user(cloud).id_token
    # Given the token verified once (its claims kept)
    claims = verifier.verify(token)
    assert verifier.verify(token) == claims
    # When the clock moves past its expiry, then the kept claims do not let it through
    original = verifier._clock
    verifier._clock = lambda: float(claims["exp"]) + 1
    try:
        with pytest.raises(jwt.ExpiredSignatureError):
            verifier.verify(token)
    finally:
        verifier._clock = original


def test_given_a_verified_token_then_a_tampered_copy_is_still_checked_and_refused(cloud: LocalCloud) -> None:
    assert cloud.gateway is not None
    verifier = cloud.gateway.verifier
    token = create_user(cloud).id_token
    verifier.verify(token)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}{'AAAA' if not signature.endswith('AAAA') else 'BBBB'}"
    with pytest.raises(jwt.InvalidSignatureError):
        verifier.verify(forged)


def test_given_kept_claims_when_a_caller_changes_its_copy_then_the_next_request_sees_the_original(
    cloud: LocalCloud,
) -> None:
    assert cloud.gateway is not None
    verifier = cloud.gateway.verifier
    token = create_user(cloud).id_token
    verifier.verify(token)["cognito:groups"] = ["admin"]
    assert verifier.verify(token).get("cognito:groups") != ["admin"]
