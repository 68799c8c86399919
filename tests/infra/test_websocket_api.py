"""The live WebSocket API as deployed: routes by action, the token authorizer on $connect, the
@connections endpoint and grant given to the functions that push, the connections table.

Synthesized from messaging and the capabilities it refers to (the platform's tables and buses,
the shared wait step, the notifications topic), so what is checked here is messaging's own
resources; the whole app's synth is checked by the other modules of ``tests/infra``."""

from __future__ import annotations

import json

import pytest

from stacks.capabilities.messaging import MESSAGING
from stacks.capabilities.notifications import NOTIFICATIONS
from stacks.capabilities.payments import PAYMENTS
from stacks.capabilities.platform import PLATFORM
from stacks.model import compose
from tests.infra.synth import function_id, function_named, resources, synthesize


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    topology = compose(PLATFORM, PAYMENTS, NOTIFICATIONS, MESSAGING)
    return synthesize(tmp_path_factory.mktemp("cdk.out"), topology=topology, stage="dev")


def _policy_text(template, function_logical_id: str) -> str:
    role = template.to_json()["Resources"][function_logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [
        p
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
    ]
    return json.dumps([p["Properties"]["PolicyDocument"]["Statement"] for p in policies])


def test_given_the_stack_then_one_websocket_api_routes_by_action_with_every_route(synth) -> None:
    template = synth.stateless
    apis = [a["Properties"] for a in resources(template, "AWS::ApiGatewayV2::Api").values()]
    assert len(apis) == 1
    assert apis[0]["ProtocolType"] == "WEBSOCKET"
    assert apis[0]["RouteSelectionExpression"] == "$request.body.action"
    keys = sorted(
        r["Properties"]["RouteKey"] for r in resources(template, "AWS::ApiGatewayV2::Route").values()
    )
    assert keys == ["$connect", "$default", "$disconnect", "markRead", "sendMessage", "typing"]
    integrations = resources(template, "AWS::ApiGatewayV2::Integration").values()
    assert {i["Properties"]["IntegrationType"] for i in integrations} == {"AWS_PROXY"}
    stages = [s["Properties"] for s in resources(template, "AWS::ApiGatewayV2::Stage").values()]
    assert [s["StageName"] for s in stages] == ["dev"] and stages[0]["AutoDeploy"] is True


def test_given_connect_then_only_it_has_the_token_authorizer_from_the_query_string(synth) -> None:
    template = synth.stateless
    authorizers = [a["Properties"] for a in resources(template, "AWS::ApiGatewayV2::Authorizer").values()]
    assert len(authorizers) == 1
    assert authorizers[0]["AuthorizerType"] == "REQUEST"
    assert authorizers[0]["IdentitySource"] == ["route.request.querystring.token"]
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in resources(template, "AWS::ApiGatewayV2::Route").values()
    }
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert all(r.get("AuthorizationType", "NONE") == "NONE" for k, r in routes.items() if k != "$connect")


@pytest.mark.parametrize("name", ["api-messaging", "ws-live"])
def test_given_a_function_that_pushes_then_it_has_the_callback_url_and_manage_connections(
    synth, name
) -> None:
    template = synth.stateless
    env = function_named(template, f"resale-dev-{name}")["Properties"]["Environment"]["Variables"]
    url = json.dumps(env["WEBSOCKET_MANAGEMENT_URL"])
    assert "execute-api" in url and "/dev" in url
    assert "execute-api:ManageConnections" in _policy_text(
        template, function_id(template, f"resale-dev-{name}")
    )


def test_given_a_function_that_does_not_push_then_it_cannot_manage_connections(synth) -> None:
    template = synth.stateless
    assert "ManageConnections" not in _policy_text(template, function_id(template, "resale-dev-api-health"))


def test_given_the_connections_table_then_it_has_a_ttl_and_a_by_user_index(synth) -> None:
    tables = [
        t["Properties"]
        for t in resources(synth.stateful, "AWS::DynamoDB::Table").values()
        if t["Properties"].get("TableName", "").endswith("-connections")
        or any(tag.get("Value") == "connections" for tag in t["Properties"].get("Tags", []))
    ]
    assert len(tables) == 1
    table = tables[0]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    assert [k["AttributeName"] for k in indexes["by-user"]["KeySchema"]] == ["user_id", "connection_id"]
