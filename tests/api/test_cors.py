"""CORS through the local gateway, as the deployed API answers a browser: an allowed origin can
read every answer (a function's 200 and 4xx, the gateway's own errors, the preflight); any other
origin is never named in ``Access-Control-Allow-Origin``."""

from __future__ import annotations

import pytest
import requests

from local.runtime import LocalCloud, LocalCloudConfig

ALLOWED = LocalCloudConfig().cors_allowed_origins
UNKNOWN = "https://evil.example.net"
ACAO = "Access-Control-Allow-Origin"


def test_the_local_cloud_allows_several_origins_so_that_choosing_one_is_tested() -> None:
    assert len(ALLOWED) >= 2


@pytest.mark.parametrize("origin", ALLOWED)
def test_given_an_allowed_origin_then_a_functions_200_names_it(cloud: LocalCloud, origin: str) -> None:
    response = requests.get(f"{cloud.api_url}/categories", headers={"Origin": origin}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers[ACAO] == origin
    assert "Origin" in response.headers["Vary"]


def test_given_an_allowed_origin_then_a_functions_4xx_names_it(cloud: LocalCloud) -> None:
    # Given a listing that does not exist, When a browser at an allowed origin asks for it
    origin = ALLOWED[1]
    response = requests.get(
        f"{cloud.api_url}/listings/no-such-listing", headers={"Origin": origin}, timeout=10
    )
    # Then the function's 404 is readable by that origin
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"]
    assert response.headers[ACAO] == origin
    invalid = requests.post(
        f"{cloud.api_url}/auth/login", json={"email": 1}, headers={"Origin": origin}, timeout=10
    )
    assert invalid.status_code == 400, invalid.text
    assert invalid.headers[ACAO] == origin


def test_given_an_allowed_origin_then_the_gateways_own_401_and_404_name_the_first_allowed_origin(
    cloud: LocalCloud,
) -> None:
    # API Gateway's gateway responses carry literal headers: the stage's first allowed origin
    for path in ("/me", "/no/such/route"):
        response = requests.get(f"{cloud.api_url}{path}", headers={"Origin": ALLOWED[0]}, timeout=10)
        assert response.status_code in (401, 404), response.text
        assert response.headers[ACAO] == ALLOWED[0]


@pytest.mark.parametrize("origin", ALLOWED)
def test_given_an_allowed_origin_then_the_preflight_allows_it_with_the_apis_headers(
    cloud: LocalCloud, origin: str
) -> None:
    response = requests.options(
        f"{cloud.api_url}/listings/some-id",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
        timeout=10,
    )
    assert response.status_code == 204, response.text
    assert response.headers[ACAO] == origin
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"].split(",")
    allowed_headers = {h.lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed_headers


def test_given_the_preflight_of_a_parent_resource_then_it_is_answered_too(cloud: LocalCloud) -> None:
    # CDK puts the OPTIONS method on every resource of the tree, /me included
    response = requests.options(f"{cloud.api_url}/me", headers={"Origin": ALLOWED[0]}, timeout=10)
    assert response.status_code == 204
    assert response.headers[ACAO] == ALLOWED[0]


def test_given_an_unknown_origin_then_no_answer_names_it(cloud: LocalCloud) -> None:
    headers = {"Origin": UNKNOWN}
    ok = requests.get(f"{cloud.api_url}/categories", headers=headers, timeout=10)
    assert ok.status_code == 200
    assert ACAO not in ok.headers
    not_found = requests.get(f"{cloud.api_url}/listings/no-such-listing", headers=headers, timeout=10)
    assert 400 <= not_found.status_code < 500
    assert ACAO not in not_found.headers
    # the preflight and the gateway's own errors name an allowed origin, which a browser at
    # UNKNOWN refuses
    preflight = requests.options(
        f"{cloud.api_url}/listings/some-id",
        headers={**headers, "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    assert preflight.headers[ACAO] != UNKNOWN
    assert preflight.headers[ACAO] in ALLOWED
    unauthorized = requests.get(f"{cloud.api_url}/me", headers=headers, timeout=10)
    assert unauthorized.status_code == 401
    assert unauthorized.headers[ACAO] != UNKNOWN


def test_given_no_origin_then_a_function_adds_no_cors_header(cloud: LocalCloud) -> None:
    # a server-to-server call is not a browser's: nothing to allow
    response = requests.get(f"{cloud.api_url}/categories", timeout=10)
    assert response.status_code == 200
    assert ACAO not in response.headers
