"""No 5xx for any input: what a request may not carry is a 4xx in the API's error shape.

Bodies are UTF-8 JSON, read once by the shared resolver (``lambdas.api.resolver``) for every
route; text fields are the shared text types (``workflows.shared.fields``). Before them, each
case below was a 502 ``INTERNAL_ERROR``, an answer outside the error shape, or accepted.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import requests

from lambdas.api.resolver import MAX_BODY_BYTES, MAX_JSON_DEPTH
from tests.fixtures.users import create_user
from workflows.shared.fields import INT64_MAX

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

T = 30


@pytest.fixture(scope="module")
def user(cloud: LocalCloud) -> TestUser:
    return create_user(cloud, groups=("buyer", "seller"), profile=True)


def send(cloud: LocalCloud, user: TestUser, method: str, path: str, data: bytes, content_type: str) -> Any:
    headers = {**user.headers, "Content-Type": content_type}
    return requests.request(method, f"{cloud.api_url}{path}", data=data, headers=headers, timeout=T)


def patch_me(cloud: LocalCloud, user: TestUser, body: Any) -> requests.Response:
    return requests.patch(f"{cloud.api_url}/me", json=body, headers=user.headers, timeout=T)


def error_of(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"]
    assert error["message"]
    return error


def fields_of(error: dict[str, Any]) -> list[str]:
    return [field["field"] for field in error["details"]["fields"]]


# -- the body: encoding, content type, size, syntax, depth ----------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("PATCH", "/me"), ("POST", "/auth/login"), ("POST", "/me/addresses")]
)
def test_given_a_body_that_is_not_utf8_then_400_invalid_json(
    cloud: LocalCloud, user: TestUser, method: str, path: str
) -> None:
    # Given bytes that are not UTF-8 (the gateway hands them over base64-encoded)
    response = send(cloud, user, method, path, b'{"name": "\xff\xfe"}', "application/json")
    # Then the resolver says so, whichever the route
    error = error_of(response, 400)
    assert error["code"] == "INVALID_JSON"
    assert "UTF-8" in error["message"]


def test_given_multipart_without_a_boundary_then_415_and_utf8_json_is_read(
    cloud: LocalCloud, user: TestUser
) -> None:
    response = send(cloud, user, "PATCH", "/me", b'{"name": "Ann"}', "multipart/form-data")
    error = error_of(response, 415)
    assert error["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert error["details"]["supported"] == ["application/json"]
    # while JSON that names its (UTF-8) charset is read
    response = send(cloud, user, "PATCH", "/me", b'{"name": "Ann"}', "application/json; charset=UTF-8")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"],
)
def test_given_another_content_type_then_415_in_the_error_shape(
    cloud: LocalCloud, user: TestUser, content_type: str
) -> None:
    response = send(cloud, user, "PATCH", "/me", b'{"name": "Ann"}', content_type)
    assert error_of(response, 415)["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_given_a_body_over_the_limit_then_413(cloud: LocalCloud, user: TestUser) -> None:
    body = json.dumps({"name": "a" * (MAX_BODY_BYTES + 1)}).encode()
    error = error_of(send(cloud, user, "PATCH", "/me", body, "application/json"), 413)
    assert error["code"] == "PAYLOAD_TOO_LARGE"


def test_given_a_chunked_body_over_the_gateways_10_mb_then_the_gateway_answers_413(
    cloud: LocalCloud, user: TestUser
) -> None:
    # Given a body with no Content-Length (chunked), larger than API Gateway takes
    def chunks() -> Any:
        for _ in range(11):
            yield b" " * (1024 * 1024)

    response = requests.patch(
        f"{cloud.api_url}/me",
        data=chunks(),
        headers={**user.headers, "Content-Type": "application/json"},
        timeout=T,
    )
    error = error_of(response, 413)
    assert error["message"] == "The request body is larger than 10 MB."  # the gateway's, not the function's


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # Python's parser gives up (RecursionError)
        b'{"name": ' + b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1) + b"}",
    ],
    ids=["100000-deep", "just-over-the-limit"],
)
def test_given_a_body_nested_too_deep_then_400_invalid_json(
    cloud: LocalCloud, user: TestUser, body: bytes
) -> None:
    error = error_of(send(cloud, user, "PATCH", "/me", body, "application/json"), 400)
    assert error["code"] == "INVALID_JSON"
    assert str(MAX_JSON_DEPTH) in error["message"]


@pytest.mark.parametrize(
    "body",
    [b'{"name": ' + b"9" * 5000 + b"}", b'{"name": NaN}', b'{"name": 1e999}'],
    ids=["5000-digit-integer", "NaN", "infinite-float"],
)
def test_given_numbers_json_does_not_have_then_400_invalid_json(
    cloud: LocalCloud, user: TestUser, body: bytes
) -> None:
    error = error_of(send(cloud, user, "PATCH", "/me", body, "application/json"), 400)
    assert error["code"] == "INVALID_JSON"


# -- what the body says: integers beyond 64 bits, text with control characters --------------


def test_given_an_integer_beyond_64_bits_then_400_naming_the_field(cloud: LocalCloud, user: TestUser) -> None:
    # Given a saved search whose price bound no store's integer holds (Mongo refused it with a 5xx)
    body = {"name": "big", "query": {"q": "lamp", "min_price": INT64_MAX + 1}}
    response = requests.post(f"{cloud.api_url}/me/saved-searches", json=body, headers=user.headers, timeout=T)
    error = error_of(response, 400)
    assert error["code"] == "INVALID_REQUEST"
    assert fields_of(error) == ["query.min_price"]


def test_given_a_query_integer_beyond_64_bits_then_400(cloud: LocalCloud) -> None:
    response = requests.get(f"{cloud.api_url}/listings", params={"min_price": str(2**70)}, timeout=T)
    error = error_of(response, 400)
    assert error["code"] == "INVALID_REQUEST"
    assert fields_of(error) == ["min_price"]


def test_given_a_nul_byte_in_a_text_field_then_400_naming_it(cloud: LocalCloud, user: TestUser) -> None:
    # Given a name with a NUL (PostgreSQL cannot store one: it was a psycopg DataError)
    response = patch_me(cloud, user, {"name": "Ann\u0000"})
    error = error_of(response, 400)
    assert error["code"] == "INVALID_REQUEST"
    assert fields_of(error) == ["name"]
    assert "U+0000" in error["details"]["fields"][0]["problem"]


@pytest.mark.parametrize("text", ["\u001b[31mAnn", "Ann\u0007", "Ann\u007f", "Ann\u0085"])
def test_given_control_characters_in_text_then_400(cloud: LocalCloud, user: TestUser, text: str) -> None:
    # json.dumps escapes them: the body is valid UTF-8 JSON whose string is not text (a lone
    # surrogate, "\ud800", was already refused by pydantic)
    response = patch_me(cloud, user, {"name": text})
    error = error_of(response, 400)
    assert fields_of(error) == ["name"]


def test_given_a_nul_byte_in_a_field_name_or_an_id_field_then_400(cloud: LocalCloud, user: TestUser) -> None:
    # not a text field: the address id goes to PostgreSQL as is
    body = {"address_id": "a\u0000b", "shipping_choices": []}
    response = requests.post(
        f"{cloud.api_url}/checkout",
        json=body,
        headers={**user.headers, "Idempotency-Key": "bad-input-nul"},
        timeout=T,
    )
    assert fields_of(error_of(response, 400)) == ["address_id"]
    response = patch_me(cloud, user, {"na\u0000me": "Ann"})
    assert error_of(response, 400)["code"] == "INVALID_REQUEST"


def test_given_a_line_break_in_a_one_line_field_then_400(cloud: LocalCloud, user: TestUser) -> None:
    response = patch_me(cloud, user, {"name": "Ann\nBea"})
    error = error_of(response, 400)
    assert fields_of(error) == ["name"]
    assert "one line" in error["details"]["fields"][0]["problem"]


# -- path and query parameters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/listings/a%00b"),
        ("GET", "/orders/%01%1b"),
        ("DELETE", "/me/payment-methods/pm%00"),
        ("GET", "/sellers/%00/listings"),
    ],
)
def test_given_a_control_character_in_a_path_parameter_then_400(
    cloud: LocalCloud, user: TestUser, method: str, path: str
) -> None:
    response = requests.request(method, f"{cloud.api_url}{path}", headers=user.headers, timeout=T)
    assert error_of(response, 400)["code"] == "INVALID_REQUEST"


def test_given_a_control_character_in_a_query_parameter_then_400(cloud: LocalCloud) -> None:
    response = requests.get(f"{cloud.api_url}/listings", params={"seller_id": "a\u0000"}, timeout=T)
    assert fields_of(error_of(response, 400)) == ["seller_id"]
