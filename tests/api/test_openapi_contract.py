"""What the API answers IS what ``GET /openapi.json`` declares: over real calls through the local
gateway, every status is one the operation declares, with its content type (none for a 204, and
no body), its body matches the declared schema, and an error's code is one the operation names.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import requests
from jsonschema import Draft202012Validator

from tests.e2e.checkout_support import ADDRESS, make_category, make_listing
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

T = 15


@pytest.fixture(scope="module")
def document(cloud: LocalCloud) -> dict[str, Any]:
    response = requests.get(f"{cloud.api_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    return dict(response.json())


class Contract:
    """Calls the API and checks each answer against the operation the document declares."""

    def __init__(self, cloud: LocalCloud, document: dict[str, Any]) -> None:
        self.cloud = cloud
        self.document = document
        self.checked: list[tuple[str, str, int]] = []
        self._paths = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), path)
            for path in sorted(document["paths"], key=lambda p: p.count("{"))
        ]

    def operation(self, method: str, url_path: str) -> tuple[str, dict[str, Any]]:
        for pattern, path in self._paths:
            if pattern.match(url_path) and method.lower() in self.document["paths"][path]:
                return path, self.document["paths"][path][method.lower()]
        raise AssertionError(f"{method} {url_path} is in no operation of the document")

    def call(
        self, method: str, url_path: str, user: TestUser | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            headers.update(user.headers)
        response = requests.request(
            method, f"{self.cloud.api_url}{url_path}", headers=headers, timeout=T, **kwargs
        )
        path, operation = self.operation(method, url_path.split("?", maxsplit=1)[0])
        where = f"{method} {url_path} → {response.status_code}: {response.text[:300]}"
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, f"{where}: status not declared ({sorted(operation['responses'])})"
        content = declared.get("content")
        if response.status_code == 204:
            assert content is None, f"{where}: a 204 declares no content"
            assert "Content-Type" not in response.headers, f"{where}: {response.headers}"
            assert response.content == b"", where
        else:
            assert content is not None and list(content) == ["application/json"], where
            assert response.headers["Content-Type"].startswith("application/json"), where
            body = response.json()
            schema = {**content["application/json"]["schema"], "components": self.document["components"]}
            errors = [e.message for e in Draft202012Validator(schema).iter_errors(body)]
            assert not errors, f"{where}: the body does not match the declared schema: {errors[:3]}"
            if response.status_code >= 400:
                code = body["error"]["code"]
                assert re.search(rf"\b{code}\b", declared["description"]), (
                    f"{where}: {code} is not named in the declared {response.status_code}: "
                    f"{declared['description']!r}"
                )
        self.checked.append((method, path, response.status_code))
        return response


@pytest.fixture
def contract(cloud: LocalCloud, document: dict[str, Any]) -> Contract:
    return Contract(cloud, document)


def test_given_a_buyer_when_using_profile_addresses_cart_and_searches_then_every_answer_is_as_declared(
    cloud: LocalCloud, contract: Contract, make_user, admin: TestUser, pg_conn: Any
) -> None:
    seed_launch_schedule(pg_conn)
    seller = make_user(groups=("buyer", "seller"))
    buyer = make_user()
    listing = make_listing(cloud, seller, make_category(cloud, admin))
    key = {"Idempotency-Key": f"contract-{uuid.uuid4().hex}"}

    # profile
    assert contract.call("GET", "/me", buyer).status_code == 200
    assert contract.call("PATCH", "/me", buyer, json={"name": "Contract Buyer"}).status_code == 200
    assert contract.call("PATCH", "/me", buyer, json={"roles": ["admin"]}).status_code == 400
    # addresses: created is 201, and the repeat answers as the first did
    first = contract.call("POST", "/me/addresses", buyer, json=ADDRESS, headers=key)
    again = contract.call("POST", "/me/addresses", buyer, json=ADDRESS, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert contract.call("GET", "/me/addresses", buyer).status_code == 200
    address_id = first.json()["address_id"]
    assert contract.call("DELETE", f"/me/addresses/{address_id}", buyer).status_code == 204
    assert contract.call("DELETE", f"/me/addresses/{address_id}", buyer).status_code == 404
    # the catalog, public
    assert contract.call("GET", "/categories").status_code == 200
    assert contract.call("GET", "/listings?sort=price_asc").status_code == 200
    assert contract.call("GET", f"/listings/{listing['id']}").status_code == 200
    assert contract.call("GET", "/listings/no-such-listing").status_code == 404
    # the cart: a line is 200, quantity 0 and removal are 204s
    item = f"/cart/items/{listing['id']}"
    assert contract.call("PUT", item, buyer, json={"quantity": 1}).status_code == 200
    assert contract.call("GET", "/cart", buyer).status_code == 200
    assert contract.call("PUT", item, buyer, json={"quantity": 0}).status_code == 204
    assert contract.call("PUT", item, buyer, json={"quantity": 1}).status_code == 200
    assert contract.call("DELETE", item, buyer).status_code == 204
    assert contract.call("PUT", "/cart/items/no-such-listing", buyer, json={"quantity": 1}).status_code == 404
    # watching and saved searches
    assert contract.call("PUT", f"/me/watchlist/{listing['id']}", buyer).status_code == 200
    assert contract.call("GET", "/me/watchlist", buyer).status_code == 200
    assert contract.call("DELETE", f"/me/watchlist/{listing['id']}", buyer).status_code == 204
    saved = contract.call("POST", "/me/saved-searches", buyer, json={"name": "Bikes", "query": {"q": "bike"}})
    assert saved.status_code == 201, saved.text
    assert contract.call("GET", "/me/saved-searches", buyer).status_code == 200
    search = f"/me/saved-searches/{saved.json()['search_id']}"
    assert contract.call("DELETE", search, buyer).status_code == 204
    # orders and checkouts that are not there
    assert contract.call("GET", "/orders", buyer).status_code == 200
    assert contract.call("GET", "/checkouts/no-such-checkout", buyer).status_code == 404
    assert contract.call("POST", "/checkout", buyer, json={"address_id": address_id}).status_code in (
        404,
        409,
    )
    # no token on a private route
    assert contract.call("GET", "/me").status_code == 401
    assert len(contract.checked) > 25


def test_given_a_seller_when_listing_and_ending_then_created_is_201_and_ended_is_an_empty_204(
    cloud: LocalCloud, contract: Contract, make_user, admin: TestUser, pg_conn: Any
) -> None:
    seed_launch_schedule(pg_conn)
    seller = make_user(groups=("buyer", "seller"))
    listing = make_listing(cloud, seller, make_category(cloud, admin))
    assert (
        contract.call("PATCH", f"/listings/{listing['id']}", seller, json={"quantity": 2}).status_code == 200
    )
    assert contract.call("GET", f"/sellers/{seller.user_id}/listings").status_code == 200
    assert contract.call("DELETE", f"/listings/{listing['id']}", seller).status_code == 204
    assert contract.call("GET", "/sellers/me/balance", seller).status_code == 200
    assert contract.call("GET", "/sellers/me/payouts", seller).status_code == 200
