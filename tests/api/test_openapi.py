"""GET /openapi.json: generated from the handlers, valid, and describing every routed path."""

from __future__ import annotations

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
