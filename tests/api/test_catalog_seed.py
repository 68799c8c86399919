"""``make dev``'s catalog seed: the starter tree and the demo seller's listings, idempotent."""

from __future__ import annotations

import requests

from local.catalog_seed import DEMO_LISTINGS, DEMO_SELLER_EMAIL, TREE, seed_catalog
from local.runtime import LocalCloud
from local.seed import DEMO_USERS, seed


def _demo_users_exist(cloud: LocalCloud) -> None:
    aws, provisioned = cloud.started()
    cognito = aws.client("cognito-idp")
    try:
        cognito.admin_get_user(UserPoolId=provisioned.user_pool_id, Username=DEMO_USERS[0].email)
    except cognito.exceptions.UserNotFoundException:
        seed(cloud)


def test_given_the_seed_when_run_twice_then_the_tree_and_demo_listings_are_there_once(
    cloud: LocalCloud,
) -> None:
    # Given the demo users
    _demo_users_exist(cloud)
    # When the catalog is seeded twice
    first = seed_catalog(cloud)
    seed_catalog(cloud)
    # Then the tree is served with its item specifics, and the demo seller's listings are searchable
    assert f"{len(TREE)} categories" in first
    tree = requests.get(f"{cloud.api_url}/categories", timeout=10).json()["items"]
    electronics = next(c for c in tree if c["slug"] == "electronics")
    phones = next(c for c in electronics["children"] if c["slug"] == "phones")
    brand = next(s for s in phones["item_specifics"] if s["name"] == "Brand")
    assert brand["required"] is True and "Apple" in brand["allowed_values"]
    assert sum(1 for c in tree if c["slug"] == "electronics") == 1
    aws, provisioned = cloud.started()
    user = aws.client("cognito-idp").admin_get_user(
        UserPoolId=provisioned.user_pool_id, Username=DEMO_SELLER_EMAIL
    )
    seller_id = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    mine = requests.get(
        f"{cloud.api_url}/sellers/{seller_id}/listings", params={"limit": 100}, timeout=10
    ).json()
    assert len(mine["items"]) == len(DEMO_LISTINGS)
    found = requests.get(
        f"{cloud.api_url}/listings", params={"q": "iphone", "category_id": electronics["id"]}, timeout=10
    )
    assert any(x["seller_id"] == seller_id for x in found.json()["items"])
