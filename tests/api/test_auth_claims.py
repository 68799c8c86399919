"""The caller is read from the authorizer's claims; nothing else can claim an identity."""

from __future__ import annotations

import pytest

from lambdas.api.auth import groups_claim


@pytest.mark.parametrize(
    ("claim", "groups"),
    [
        ("buyer,seller", {"buyer", "seller"}),
        ("[buyer seller]", {"buyer", "seller"}),
        (["admin"], {"admin"}),
        ("buyer", {"buyer"}),
        ("", set()),
        (None, set()),
    ],
)
def test_given_the_groups_claim_in_any_shape_api_gateway_uses_then_the_roles_are_read(claim, groups) -> None:
    assert groups_claim(claim) == frozenset(groups)


def test_given_a_fresh_test_user_then_its_token_carries_its_groups(make_user) -> None:
    import jwt

    user = make_user(groups=("buyer", "seller"))
    claims = jwt.decode(user.id_token, options={"verify_signature": False})
    assert set(claims["cognito:groups"]) == {"buyer", "seller"}
    assert claims["sub"] == user.user_id
