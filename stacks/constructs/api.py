"""The REST API (API Gateway v1): every route a Lambda proxy integration, Cognito-authorized.

No route starts a state machine straight from API Gateway: each workflow's start validates the
request and writes its rows first (a 4xx for bad input), which a mapping template cannot do.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.constructs.log_retention import retention

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_lambda as lambda_

    from stacks.model import Cors
    from stacks.topology import Route


#: API Gateway's own errors, in the API's error shape (the local emulator answers the same);
#: ``None`` keeps the status of the error (every other 4xx: a bad signature, a wrong media type ...)
GATEWAY_RESPONSES: tuple[tuple[apigw.ResponseType, str | None, str, str], ...] = (
    (apigw.ResponseType.UNAUTHORIZED, "401", "UNAUTHORIZED", "$context.error.messageString"),
    (apigw.ResponseType.ACCESS_DENIED, "403", "FORBIDDEN", "$context.error.messageString"),
    (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "404", "ROUTE_NOT_FOUND", "No such route."),
    (apigw.ResponseType.THROTTLED, "429", "TOO_MANY_REQUESTS", "Too many requests; slow down and retry."),
    (
        apigw.ResponseType.REQUEST_TOO_LARGE,
        "413",
        "PAYLOAD_TOO_LARGE",
        "The request body is larger than 10 MB.",
    ),
    (apigw.ResponseType.BAD_REQUEST_BODY, "400", "INVALID_REQUEST", "$context.error.validationErrorString"),
    (apigw.ResponseType.DEFAULT_4_XX, None, "REQUEST_REFUSED", "$context.error.messageString"),
    (
        apigw.ResponseType.DEFAULT_5_XX,
        "502",
        "INTERNAL_ERROR",
        "The service failed to answer; the error was logged.",
    ),
)


class Api(Construct):
    """One ``RestApi`` with the topology's routes.

    Non-public routes use the Cognito user-pool authorizer; a route's group (``seller``,
    ``admin``) is checked by its handler from the ``cognito:groups`` claim.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        stage_name: str,
        routes: Sequence[Route],
        user_pool: cognito.IUserPool,
        functions: Mapping[str, lambda_.IFunction],
        throttle_rate_limit: float,
        throttle_burst_limit: int,
        cors: Cors,
        log_retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=retention(log_retention_days),
            removal_policy=removal_policy,
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=name,
            description="Resale REST API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=removal_policy,
            deploy_options=apigw.StageOptions(
                stage_name=stage_name,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                throttling_rate_limit=throttle_rate_limit,
                throttling_burst_limit=throttle_burst_limit,
                tracing_enabled=True,
                metrics_enabled=True,
            ),
            # the preflight (OPTIONS on every resource): the matching origin, else the first one
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(cors.allowed_origins),
                allow_headers=list(cors.allow_headers),
                allow_methods=list(cors.allow_methods),
                max_age=Duration.seconds(cors.max_age_s),
                status_code=cors.preflight_status,
            ),
        )
        # a gateway response's headers are literals: they name the stage's first allowed origin
        cors_headers = {"Access-Control-Allow-Origin": f"'{cors.fixed_origin}'", "Vary": "'Origin'"}
        for response_type, status, code, message in GATEWAY_RESPONSES:
            self.rest_api.add_gateway_response(
                f"Gateway{code.title().replace('_', '')}",
                type=response_type,
                status_code=status,
                response_headers=cors_headers,
                templates={"application/json": json.dumps({"error": {"code": code, "message": message}})},
            )
        self._user_pool = user_pool
        self._authorizer: apigw.CognitoUserPoolsAuthorizer | None = None
        self._functions = functions
        for route in routes:
            self._add_route(route)

    def _add_route(self, route: Route) -> None:
        resource = self.rest_api.root.resource_for_path(route.path)
        public = route.auth == "public"
        auth: dict[str, object] = (
            {"authorization_type": apigw.AuthorizationType.NONE}
            if public
            else {"authorization_type": apigw.AuthorizationType.COGNITO, "authorizer": self.authorizer}
        )
        resource.add_method(
            route.method,
            # one invoke permission per function, for this API's every stage, method and path (the
            # console's test-invoke included): not one per method, which kept this nested stack
            # near CloudFormation's 500 resources
            apigw.LambdaIntegration(self._functions[route.target.function], scope_permission_to_method=False),
            **auth,  # type: ignore[arg-type]
        )

    @property
    def authorizer(self) -> apigw.CognitoUserPoolsAuthorizer:
        """The Cognito authorizer, made with the first non-public route (an unused one fails)."""
        if self._authorizer is None:
            self._authorizer = apigw.CognitoUserPoolsAuthorizer(
                self,
                "Authorizer",
                cognito_user_pools=[self._user_pool],
                authorizer_name=f"{self.rest_api.rest_api_name}-users",
            )
        return self._authorizer

    @property
    def url(self) -> str:
        return self.rest_api.url
