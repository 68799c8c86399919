"""GET /openapi.json: generated from the handlers, valid, and describing every routed path."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest
import requests
from openapi_spec_validator import validate

from stacks.topology import TOPOLOGY, FunctionTarget

if TYPE_CHECKING:
    from local.runtime import LocalCloud


@pytest.fixture(scope="module")
def document(cloud: LocalCloud) -> dict:
    response = requests.get(f"{cloud.api_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    return response.json()


def test_given_the_document_then_it_is_valid_openapi(document: dict) -> None:
    validate(document)


def test_given_the_topology_then_every_function_route_is_in_the_document(document: dict) -> None:
    for route in TOPOLOGY.routes:
        if isinstance(route.target, FunctionTarget):
            assert route.method.lower() in document["paths"].get(route.path, {}), (
                f"{route.method} {route.path}"
            )


def test_given_any_operation_then_errors_use_the_api_error_shape_never_powertools_default(
    document: dict,
) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                assert "HTTPValidationError" not in str(schema), f"{method} {path} {status}"
            assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


def test_given_public_and_private_routes_then_only_private_ones_need_the_token(document: dict) -> None:
    for route in TOPOLOGY.routes:
        operation = document["paths"].get(route.path, {}).get(route.method.lower())
        if operation is None:
            continue
        assert ("security" in operation) == (route.auth != "public"), f"{route.method} {route.path}"


def test_given_the_health_route_then_its_response_model_is_described(document: dict) -> None:
    responses = document["paths"]["/health"]["get"]["responses"]
    assert {"200", "503"} <= set(responses)
    assert "HealthReport" in document["components"]["schemas"]


SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
UPPER_SNAKE_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(_[A-Z0-9]+)+\b|\bUNAUTHORIZED\b|\bCONFLICT\b|\bBLOCKED\b")


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_given_any_operation_then_it_declares_its_success_status_model_and_content_type(
    document: dict,
) -> None:
    missing = []
    for where, operation in _operations(document):
        successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        if not successes:
            missing.append(where)
        for status, response in successes.items():
            if status == "204":  # no body: no content type either
                assert "content" not in response, f"{where} 204"
                continue
            content = response.get("content", {})
            assert list(content) == ["application/json"], f"{where} {status}: {content}"
            assert content["application/json"].get("schema"), f"{where} {status} has no model"
    assert not missing, f"no success response: {missing}"


def test_given_any_operation_then_every_error_response_names_its_codes(document: dict) -> None:
    for where, operation in _operations(document):
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        assert errors, f"{where} declares no error response"
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            if (where, status) == ("GET /health", "503"):  # the readiness report itself, not an error
                assert schema == {"$ref": "#/components/schemas/HealthReport"}
                continue
            assert schema == {"$ref": "#/components/schemas/Error"}, f"{where} {status}"
            assert UPPER_SNAKE_CODE.search(response["description"]), (
                f"{where} {status} names no error code: {response['description']!r}"
            )


def _enums(node: object, where: str = "#"):
    if isinstance(node, dict):
        if "enum" in node:
            yield where, node["enum"]
        if "const" in node and where.rsplit("/", 1)[-1] not in {"token_type"}:  # RFC 6750's "Bearer"
            yield where, [node["const"]]
        for key, value in node.items():
            yield from _enums(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _enums(value, f"{where}/{i}")


def test_given_the_document_then_every_enum_value_is_lowercase_snake_case(document: dict) -> None:
    found = list(_enums(document))
    bad = [(where, values) for where, values in found if not all(SNAKE.match(str(v)) for v in values)]
    assert not bad, bad
    # the statuses and kinds clients branch on are declared as enums
    schemas = document["components"]["schemas"]
    for model, field in [
        ("CheckoutView", "status"),
        ("TimelineEntryView", "kind"),
        ("BuyerOrderView", "status"),
        ("SellerOrderView", "status"),
        ("FulfilmentView", "status"),
        ("PayoutView", "status"),
        ("EntryView", "kind"),
        ("ListingView", "status"),
        ("ListingView", "format"),
        ("WatchView", "status"),
        ("SellerOnboardingView", "status"),
    ]:
        declared = json.dumps(schemas[model]["properties"][field])
        assert '"enum"' in declared or '"$ref"' in declared, f"{model}.{field} is not an enum: {declared}"
    assert schemas["CheckoutView"]["properties"]["status"]["enum"] == [
        "pending",
        "awaiting_payment",
        "paid",
        "payment_failed",
        "expired",
        "cancelled",
        "failed",
    ]
