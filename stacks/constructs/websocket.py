"""The topology's WebSocket APIs: API Gateway v2 WebSocket APIs with Lambda proxy routes.

Built in two steps because the functions and the API refer to each other: :class:`WebSocketApis`
creates each API and its stage first (the functions that push are given the stage's callback
URL, the ``@connections`` endpoint), then :meth:`WebSocketApis.add_routes` adds each route's
Lambda integration once the functions exist, with the REQUEST authorizer on ``$connect``
(identity source ``route.request.querystring.token``: a browser cannot set a header on a
WebSocket). The stage's callback URL names the API and the stage only, so there is no cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from constructs import Construct

from stacks.naming import construct_id, physical_name

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_

    from stacks.model import WebSocketApi


class LiveApi:
    """One WebSocket API and its stage, as the references see it."""

    def __init__(self, api: apigwv2.WebSocketApi, stage: apigwv2.WebSocketStage, spec: WebSocketApi) -> None:
        self.api = api
        self.stage = stage
        self.spec = spec

    @property
    def callback_url(self) -> str:
        """``https://<api>.execute-api.<region>.amazonaws.com/<stage>``: the ``@connections`` endpoint."""
        return self.stage.callback_url

    @property
    def url(self) -> str:
        """``wss://...``: where clients connect."""
        return self.stage.url

    def grant_manage_connections(self, grantee: iam.IGrantable) -> None:
        """``execute-api:ManageConnections`` on this API's connections (post, get, delete)."""
        self.api.grant_manage_connections(grantee)


class WebSocketApis(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        prefix: str,
        stage_name: str,
        apis: Sequence[WebSocketApi],
        throttle_rate_limit: float,
        throttle_burst_limit: int,
    ) -> None:
        super().__init__(scope, construct_id_)
        self._apis: dict[str, LiveApi] = {}
        for spec in apis:
            api = apigwv2.WebSocketApi(
                self,
                construct_id(spec.name),
                api_name=physical_name(prefix, spec.name),
                description=spec.description or None,
                route_selection_expression=spec.route_selection_expression,
            )
            stage = apigwv2.WebSocketStage(
                self,
                f"{construct_id(spec.name)}Stage",
                web_socket_api=api,
                stage_name=stage_name,
                auto_deploy=True,
                throttle=apigwv2.ThrottleSettings(
                    rate_limit=throttle_rate_limit, burst_limit=throttle_burst_limit
                ),
            )
            self._apis[spec.name] = LiveApi(api, stage, spec)

    @property
    def apis(self) -> Mapping[str, LiveApi]:
        return dict(self._apis)

    def add_routes(self, functions: Mapping[str, lambda_.IFunction]) -> None:
        """Each route's Lambda proxy integration; ``$connect`` behind the REQUEST authorizer."""
        for name, live in self._apis.items():
            spec = live.spec
            authorizer = (
                authorizers.WebSocketLambdaAuthorizer(
                    f"{construct_id(name)}Authorizer",
                    functions[spec.authorizer],
                    authorizer_name=f"{name}-token",
                    identity_source=[spec.identity_source],
                )
                if spec.authorizer
                else None
            )
            for route in spec.routes:
                integration = integrations.WebSocketLambdaIntegration(
                    f"{construct_id(name)}{construct_id(route.route_key.lstrip('$'))}Integration",
                    functions[route.function],
                )
                live.api.add_route(
                    route.route_key,
                    integration=integration,
                    authorizer=authorizer if route.route_key == "$connect" else None,
                )
