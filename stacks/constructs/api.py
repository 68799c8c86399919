"""The REST API (API Gateway v1): Lambda routes and StartExecution routes, Cognito-authorized."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.constructs.log_retention import retention
from stacks.topology import FunctionTarget

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_stepfunctions as sfn

    from stacks.model import Cors
    from stacks.topology import Route, StartExecutionTarget, StateMachine


def _json_escaped(expression: str) -> str:
    """VTL that escapes ``expression`` for a JSON string.

    ``$util.escapeJavaScript`` also turns ``'`` into ``\\'``, which JSON does not accept, so
    that is undone.
    """
    return f'$util.escapeJavaScript({expression}).replaceAll("\\\\\'", "\'")'


def start_execution_template(state_machine_arn: str, name_from: str) -> str:
    """VTL for StartExecution: execution name from the body, input = body + caller's claims.

    The input is a JSON document inside a JSON string, so claim values are escaped twice.
    A missing name field gives an empty name, which Step Functions rejects (mapped to 400).
    """
    claim = _json_escaped(_json_escaped("$claims.get($key)"))
    claims = f'#foreach($key in $claims.keySet())\\"$key\\": \\"{claim}\\"#if($foreach.hasNext),#end#end'
    body = _json_escaped("$input.json('$')")
    name = _json_escaped(f"$input.path('$.{name_from}')")
    return "\n".join(
        [
            "#set($claims = $context.authorizer.claims)",
            "{",
            f'  "stateMachineArn": "{state_machine_arn}",',
            f'  "name": "{name}",',
            f'  "input": "{{\\"body\\": {body}, \\"claims\\": {{{claims}}}}}"',
            "}",
        ]
    )


#: Standard: 202 with the execution; Express (synchronous): 200 with the output when it succeeded
STANDARD_RESPONSE = json.dumps(
    {"execution_arn": "$input.path('$.executionArn')", "started_at": "$input.path('$.startDate')"}
)
EXPRESS_RESPONSE = "\n".join(
    [
        "#set($result = $input.path('$'))",
        '#set($error = "$!result.error")',
        "#if($result.status == 'SUCCEEDED')$result.output",
        "#else",
        "#set($context.responseOverride.status = 502)",
        '{"error": {"code": "WORKFLOW_FAILED", "message": "$util.escapeJavaScript($error)"}}',
        "#end",
    ]
)
ERROR_RESPONSE = (
    '{"error": {"code": "WORKFLOW_REJECTED", '
    '"message": "$util.escapeJavaScript($input.path(\'$.message\'))"}}'
)


def cors_template(cors: Cors) -> str:
    """VTL that adds ``Access-Control-Allow-Origin`` to an integration's answer for an allowed
    origin only (a StartExecution route has no function to do it)."""
    condition = " || ".join(f'$origin == "{origin}"' for origin in cors.allowed_origins)
    return "\n".join(
        [
            '#set($origin = $input.params().header.get("Origin"))',
            '#if("$!origin" == "")#set($origin = $input.params().header.get("origin"))#end',
            f"#if({condition})",
            "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
            '#set($context.responseOverride.header.Vary = "Origin")',
            "#end",
        ]
    )


UNAVAILABLE_RESPONSE = (
    '{"error": {"code": "INTERNAL_ERROR", "message": "The workflow service failed to answer; retry."}}'
)

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
        state_machines: Mapping[str, sfn.IStateMachine],
        state_machine_specs: Mapping[str, StateMachine],
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
        self._cors = cors
        self._user_pool = user_pool
        self._authorizer: apigw.CognitoUserPoolsAuthorizer | None = None
        self._functions = functions
        self._state_machines = state_machines
        self._specs = state_machine_specs
        self._start_role: iam.Role | None = None
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
        if isinstance(route.target, FunctionTarget):
            resource.add_method(
                route.method,
                # no console test-invoke permission: one permission per method, not two
                apigw.LambdaIntegration(self._functions[route.target.function], allow_test_invoke=False),
                **auth,  # type: ignore[arg-type]
            )
            return
        if route.auth in ("seller", "admin"):
            Annotations.of(self).add_warning_v2(
                "resale:group-not-enforced",
                f"{route.method} {route.path} starts {route.target.state_machine} directly: API Gateway "
                f"checks the token but not the {route.auth!r} group; the workflow must check "
                "cognito:groups in its input",
            )
        integration, responses = self._start_execution(route.target)
        resource.add_method(route.method, integration, method_responses=responses, **auth)  # type: ignore[arg-type]

    def _start_execution(
        self, target: StartExecutionTarget
    ) -> tuple[apigw.AwsIntegration, list[apigw.MethodResponse]]:
        machine = self._state_machines[target.state_machine]
        express = self._specs[target.state_machine].type == "EXPRESS"
        if self._start_role is None:
            self._start_role = iam.Role(
                self,
                "StartExecutionRole",
                assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                description="API Gateway starts the state machines behind StartExecution routes",
            )
        if express:
            machine.grant_start_sync_execution(self._start_role)
        else:
            machine.grant_start_execution(self._start_role)
        ok_status = "200" if express else "202"
        cors = cors_template(self._cors) + "\n"
        integration = apigw.AwsIntegration(
            service="states",
            action="StartSyncExecution" if express else "StartExecution",
            integration_http_method="POST",
            options=apigw.IntegrationOptions(
                credentials_role=self._start_role,
                passthrough_behavior=apigw.PassthroughBehavior.NEVER,
                request_templates={
                    "application/json": start_execution_template(machine.state_machine_arn, target.name_from)
                },
                integration_responses=[
                    apigw.IntegrationResponse(
                        status_code=ok_status,
                        response_templates={
                            "application/json": cors + (EXPRESS_RESPONSE if express else STANDARD_RESPONSE)
                        },
                    ),
                    apigw.IntegrationResponse(
                        selection_pattern="4\\d{2}",
                        status_code="400",
                        response_templates={"application/json": cors + ERROR_RESPONSE},
                    ),
                    apigw.IntegrationResponse(
                        selection_pattern="5\\d{2}",
                        status_code="500",
                        response_templates={"application/json": cors + UNAVAILABLE_RESPONSE},
                    ),
                ],
            ),
        )
        responses = [apigw.MethodResponse(status_code=code) for code in (ok_status, "400", "500")]
        return integration, responses

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
