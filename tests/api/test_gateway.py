"""The API gateway emulator: routes, Cognito authorization and errors, as the deployed API behaves."""

from __future__ import annotations

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from local.gateway import compile_route
from local.runtime import LocalCloud
from local.seed import DEMO_PASSWORD, DEMO_USERS, login, seed
from stacks.topology import FunctionTarget, Route


@pytest.fixture(scope="module")
def demo_tokens(cloud: LocalCloud) -> dict:
    assert cloud.aws is not None and cloud.provisioned is not None
    # filtered: an unfiltered first page (60 users) may not hold the demo user in a busy session
    users = cloud.aws.client("cognito-idp").list_users(
        UserPoolId=cloud.provisioned.user_pool_id, Filter=f'email = "{DEMO_USERS[0].email}"'
    )["Users"]
    if not any(u["Username"] == DEMO_USERS[0].email or _email(u) == DEMO_USERS[0].email for u in users):
        seed(cloud)
    return login(cloud, DEMO_USERS[0].email, DEMO_PASSWORD)


def _email(user: dict) -> str | None:
    return next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "email"), None)


@pytest.fixture(scope="module")
def echo_function(cloud: LocalCloud) -> str:
    assert cloud.aws is not None and cloud.provisioned is not None
    name = cloud.provisioned.physical_name("test-echo")
    if name not in cloud.aws.functions:
        cloud.aws.create_function(name, handler="tests.api.echo_handler.handler")
    return "test-echo"


@pytest.fixture
def private_route(cloud: LocalCloud, echo_function: str):
    """A non-public route to a test echo function, added for the test and removed after it."""
    assert cloud.gateway is not None
    compiled = compile_route(Route("GET", "/_test/items/{item_id}", "user", FunctionTarget(echo_function)))
    cloud.gateway._routes.append(compiled)
    yield f"{cloud.api_url}/_test/items/abc-1"
    cloud.gateway._routes.remove(compiled)


def test_given_the_public_health_route_when_called_then_both_databases_answer(cloud: LocalCloud) -> None:
    response = requests.get(f"{cloud.api_url}/health", timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["dependencies"]) == {"postgres", "mongodb"}


def test_given_an_unknown_path_then_404_in_the_api_error_shape(cloud: LocalCloud) -> None:
    response = requests.get(f"{cloud.api_url}/no/such/thing", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ROUTE_NOT_FOUND"


def test_given_a_wrong_method_then_404_as_api_gateway_answers_but_naming_the_right_one(
    cloud: LocalCloud,
) -> None:
    response = requests.delete(f"{cloud.api_url}/health", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ROUTE_NOT_FOUND"
    assert "GET" in response.json()["error"]["message"]


def test_given_a_private_route_without_a_token_then_401(cloud: LocalCloud, private_route: str) -> None:
    response = requests.get(private_route, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_given_a_valid_id_token_then_the_claims_reach_the_function(
    cloud: LocalCloud, private_route: str, demo_tokens: dict
) -> None:
    response = requests.get(
        f"{private_route}?page=2", headers={"Authorization": f"Bearer {demo_tokens['id_token']}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["resource"] == "/_test/items/{item_id}"
    assert seen["path_parameters"] == {"item_id": "abc-1"}
    assert seen["query"] == {"page": "2"}
    assert seen["claims"]["email"] == DEMO_USERS[0].email
    assert seen["claims"]["token_use"] == "id"
    assert seen["claims"]["cognito:groups"] == "buyer"
    assert seen["function"] == "resale-local-test-echo"


def test_given_an_access_token_instead_of_an_id_token_then_401(
    cloud: LocalCloud, private_route: str, demo_tokens: dict
) -> None:
    response = requests.get(
        private_route, headers={"Authorization": f"Bearer {demo_tokens['access_token']}"}, timeout=10
    )
    assert response.status_code == 401


def test_given_a_tampered_token_then_401(cloud: LocalCloud, private_route: str, demo_tokens: dict) -> None:
    header, payload, signature = demo_tokens["id_token"].split(".")
    forged = ".".join(
        [header, payload, signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")]
    )
    response = requests.get(private_route, headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    assert response.status_code == 401


def test_given_a_token_signed_by_another_key_then_401(
    cloud: LocalCloud, private_route: str, demo_tokens: dict
) -> None:
    # a token with the right claims, kid and audience, but from another pool's key
    claims = jwt.decode(demo_tokens["id_token"], options={"verify_signature": False})
    kid = jwt.get_unverified_header(demo_tokens["id_token"])["kid"]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": kid})
    response = requests.get(private_route, headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    assert response.status_code == 401


def test_given_a_token_for_another_pool_then_401(
    cloud: LocalCloud, private_route: str, demo_tokens: dict
) -> None:
    assert cloud.aws is not None
    cognito = cloud.aws.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="someone-elses-pool")["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    cognito.admin_create_user(UserPoolId=pool["Id"], Username="mallory@example.com", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool["Id"], Username="mallory@example.com", Password="Passw0rd!Passw0rd", Permanent=True
    )
    token = cognito.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "mallory@example.com", "PASSWORD": "Passw0rd!Passw0rd"},
    )["AuthenticationResult"]["IdToken"]
    response = requests.get(private_route, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 401


def test_given_an_expired_token_then_401_token_expired(
    cloud: LocalCloud, private_route: str, demo_tokens: dict
) -> None:
    # Given a valid token; When the clock moves past its expiry
    assert cloud.gateway is not None
    expiry = jwt.decode(demo_tokens["id_token"], options={"verify_signature": False})["exp"]
    verifier = cloud.gateway.verifier
    original = verifier._clock
    verifier._clock = lambda: float(expiry) + 1
    try:
        response = requests.get(
            private_route, headers={"Authorization": f"Bearer {demo_tokens['id_token']}"}, timeout=10
        )
    finally:
        verifier._clock = original
    # Then it is refused as expired
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert "expired" in response.json()["error"]["message"]


def test_given_the_local_config_then_it_names_every_endpoint(cloud: LocalCloud) -> None:
    config = requests.get(f"{cloud.api_url}/_local/config", timeout=10).json()
    assert config["aws"]["endpoint_url"].startswith("http://127.0.0.1:")
    assert config["stripe"]["api_base"].startswith("http://127.0.0.1:")
    assert config["stripe"]["secret_key"].startswith("sk_test_")


def test_given_demo_credentials_when_asking_the_local_token_helper_then_tokens_come_back(
    cloud: LocalCloud, demo_tokens: dict
) -> None:
    response = requests.post(
        f"{cloud.api_url}/_local/token",
        json={"email": DEMO_USERS[0].email, "password": DEMO_PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200
    assert set(response.json()) >= {"id_token", "access_token", "expires_in"}
    wrong = requests.post(
        f"{cloud.api_url}/_local/token", json={"email": DEMO_USERS[0].email, "password": "nope"}, timeout=10
    )
    assert wrong.status_code == 401
