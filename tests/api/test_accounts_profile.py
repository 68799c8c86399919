"""GET/PATCH /me and the address book through the local API; one user never sees another's."""

from __future__ import annotations

import pytest

from local.runtime import LocalCloud
from tests.api.accounts_support import call, post

HOME = {
    "name": "Ann Example",
    "line1": "1 Main St",
    "city": "Boston",
    "region": "MA",
    "postal_code": "02139",
    "country": "US",
}
WORK = {
    "name": "Ann Example",
    "line1": "10 Downing St",
    "city": "London",
    "postal_code": "SW1A 2AA",
    "country": "gb",
}


def test_given_a_pool_user_without_a_profile_when_get_me_then_one_is_made_from_the_token(
    cloud: LocalCloud, make_user
) -> None:
    user = make_user(groups=("buyer", "seller"))
    me = call(cloud, "GET", "/me", token=user.id_token)
    assert me.status_code == 200, me.text
    assert me.json()["user_id"] == user.user_id
    assert me.json()["email"] == user.email
    assert me.json()["roles"] == ["buyer", "seller"]
    assert me.json()["seller_status"] == "none"


def test_given_a_profile_when_patching_name_and_phone_then_the_phone_is_unverified(
    cloud: LocalCloud, make_user
) -> None:
    user = make_user()
    patched = call(cloud, "PATCH", "/me", token=user.id_token, json={"name": "Bea", "phone": "+447700900123"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Bea"
    assert patched.json()["phone"] == "+447700900123"
    assert patched.json()["phone_verified"] is False
    # the pool's name attribute follows
    aws, provisioned = cloud.started()
    attributes = aws.client("cognito-idp").admin_get_user(
        UserPoolId=provisioned.user_pool_id, Username=user.email
    )["UserAttributes"]
    assert {"Name": "name", "Value": "Bea"} in attributes
    removed = call(cloud, "PATCH", "/me", token=user.id_token, json={"phone": None})
    assert removed.json()["phone"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"roles": ["admin"]},
        {"seller_status": "active"},
        {"phone_verified": True},
        {"phone": "07700 900123"},
        {"name": ""},
        {"name": None},
        {"name": 42},
    ],
)
def test_given_a_forbidden_or_invalid_change_when_patching_me_then_400_and_nothing_changes(
    cloud: LocalCloud, make_user, body: dict
) -> None:
    user = make_user()
    response = call(cloud, "PATCH", "/me", token=user.id_token, json=body)
    assert response.status_code == 400, response.text
    me = call(cloud, "GET", "/me", token=user.id_token).json()
    assert me["roles"] == ["buyer"] and me["seller_status"] == "none" and me["phone_verified"] is False


def test_given_addresses_then_the_first_is_default_and_a_new_default_moves_it(
    cloud: LocalCloud, make_user
) -> None:
    user = make_user()
    home = post(cloud, "/me/addresses", HOME, token=user.id_token)
    assert home.status_code == 201, home.text
    assert home.json()["is_default"] is True
    assert home.json()["postal_code"] == "02139"
    work = post(cloud, "/me/addresses", {**WORK, "is_default": True}, token=user.id_token)
    assert work.status_code == 201 and work.json()["country"] == "GB"
    listed = call(cloud, "GET", "/me/addresses", token=user.id_token).json()
    assert [(a["address_id"], a["is_default"]) for a in listed["items"]] == [
        (home.json()["address_id"], False),
        (work.json()["address_id"], True),
    ]
    # When the first is made default again with PUT
    put = call(
        cloud,
        "PUT",
        f"/me/addresses/{home.json()['address_id']}",
        token=user.id_token,
        json={**HOME, "is_default": True},
    )
    assert put.status_code == 200 and put.json()["is_default"] is True
    defaults = [
        a for a in call(cloud, "GET", "/me/addresses", token=user.id_token).json()["items"] if a["is_default"]
    ]
    assert [a["address_id"] for a in defaults] == [home.json()["address_id"]]
    # When the default is deleted, then none is default (no other is promoted)
    assert (
        call(cloud, "DELETE", f"/me/addresses/{home.json()['address_id']}", token=user.id_token).status_code
        == 204
    )
    rest = call(cloud, "GET", "/me/addresses", token=user.id_token).json()["items"]
    assert [(a["address_id"], a["is_default"]) for a in rest] == [(work.json()["address_id"], False)]


def test_given_many_addresses_then_they_are_paged_with_a_cursor(cloud: LocalCloud, make_user) -> None:
    user = make_user()
    ids = [
        post(cloud, "/me/addresses", {**HOME, "line1": f"{n} Main St"}, token=user.id_token).json()[
            "address_id"
        ]
        for n in range(5)
    ]
    first = call(cloud, "GET", "/me/addresses?limit=2", token=user.id_token).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    seen = [a["address_id"] for a in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = call(cloud, "GET", f"/me/addresses?limit=2&cursor={cursor}", token=user.id_token).json()
        seen += [a["address_id"] for a in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ids
    bad = call(cloud, "GET", "/me/addresses?cursor=garbage", token=user.id_token)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_CURSOR"
    assert call(cloud, "GET", "/me/addresses?limit=0", token=user.id_token).status_code == 400
    assert call(cloud, "GET", "/me/addresses?limit=101", token=user.id_token).status_code == 400


def test_given_an_idempotency_key_then_a_repeat_answers_the_first_address_and_another_body_is_422(
    cloud: LocalCloud, make_user, unique: str
) -> None:
    user = make_user()
    headers = {"Idempotency-Key": f"addr-{unique}"}
    first = post(cloud, "/me/addresses", HOME, token=user.id_token, headers=headers)
    again = post(cloud, "/me/addresses", HOME, token=user.id_token, headers=headers)
    # the same key and body answer the first response, its status included (API.md)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json()
    other = post(cloud, "/me/addresses", WORK, token=user.id_token, headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(call(cloud, "GET", "/me/addresses", token=user.id_token).json()["items"]) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "USA"}, "country"),
        ({"postal_code": 2139}, "postal_code"),
        ({"line1": "   "}, "line1"),
        ({"city": None}, "city"),
        ({"is_default": "yes"}, "is_default"),
        ({"phone": "12345"}, "phone"),
        ({"latitude": 1.5}, "latitude"),
    ],
)
def test_given_an_invalid_address_then_400_naming_the_field(
    cloud: LocalCloud, make_user, change: dict, field: str
) -> None:
    user = make_user()
    response = post(cloud, "/me/addresses", {**HOME, **change}, token=user.id_token)
    assert response.status_code == 400, response.text
    assert field in {f["field"] for f in response.json()["error"]["details"]["fields"]}


def test_given_a_missing_line1_then_400(cloud: LocalCloud, make_user) -> None:
    user = make_user()
    body = {k: v for k, v in HOME.items() if k != "line1"}
    response = post(cloud, "/me/addresses", body, token=user.id_token)
    assert response.status_code == 400
    assert "line1" in {f["field"] for f in response.json()["error"]["details"]["fields"]}


def test_given_two_users_then_neither_reads_or_changes_the_others_profile_or_addresses(
    cloud: LocalCloud, make_user
) -> None:
    alice, mallory = make_user(name="Alice"), make_user(name="Mallory")
    address = post(cloud, "/me/addresses", HOME, token=alice.id_token).json()
    path = f"/me/addresses/{address['address_id']}"
    # Mallory sees only her own (empty) book, and Alice's address is not found, never forbidden
    assert call(cloud, "GET", "/me/addresses", token=mallory.id_token).json()["items"] == []
    put = call(cloud, "PUT", path, token=mallory.id_token, json=WORK)
    assert put.status_code == 404 and put.json()["error"]["code"] == "ADDRESS_NOT_FOUND"
    assert call(cloud, "DELETE", path, token=mallory.id_token).status_code == 404
    # her GET /me is her own, whatever she sends
    me = call(cloud, "GET", "/me", token=mallory.id_token, params={"user_id": alice.user_id}).json()
    assert me["user_id"] == mallory.user_id
    # and Alice's address is untouched
    assert call(cloud, "GET", "/me/addresses", token=alice.id_token).json()["items"] == [address]
    assert call(cloud, "DELETE", "/me/addresses/not-a-uuid", token=alice.id_token).status_code == 404


def test_given_no_token_then_every_me_route_is_401(cloud: LocalCloud) -> None:
    for method, path in [
        ("GET", "/me"),
        ("PATCH", "/me"),
        ("GET", "/me/addresses"),
        ("POST", "/me/addresses"),
        ("GET", "/me/payment-methods"),
        ("POST", "/me/phone/verification"),
    ]:
        assert call(cloud, method, path).status_code == 401, (method, path)
