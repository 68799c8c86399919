"""The stateless stack: functions, workflows, the API, messaging and events.

Everything here can be destroyed and recreated from the topology without losing data. The
stack composes one construct per capability and wires the grants between them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Duration, NestedStack, RemovalPolicy, Stack, triggers
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources

from stacks.constructs.api import Api
from stacks.constructs.events import EventBuses, EventRules
from stacks.constructs.functions import Functions
from stacks.constructs.messaging import Messaging
from stacks.constructs.references import References, Resources
from stacks.constructs.regions import RegionalEndpoint
from stacks.constructs.websocket import WebSocketApis
from stacks.constructs.workflows import Workflows
from stacks.model import Cors
from stacks.topology import Grant, Kind, Ref

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_sqs as sqs
    from aws_cdk import aws_stepfunctions as sfn
    from constructs import Construct

    from stacks.config import StageConfig
    from stacks.regions import RegionPlan
    from stacks.stateful import StatefulStack
    from stacks.topology import Topology


class StatelessStack(Stack):
    """Compute and integration for one stage, built from the topology over ``stateful``.

    With a ``plan`` (a multi-region stage) it is one region's: every function, workflow and rule
    (Stripe's partner event source is this region's), the API behind the stage's latency-routed
    custom domain, and the on-deploy jobs only in the primary (a secondary's PostgreSQL is a
    read-only replica whose schema the primary's migrations change).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        topology: Topology,
        stateful: StatefulStack,
        plan: RegionPlan | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal = RemovalPolicy.DESTROY if config.removal_policy == "destroy" else RemovalPolicy.RETAIN
        secrets = stateful.secrets
        resources = Resources(
            tables=stateful.tables,
            buckets={"images": stateful.images_bucket},
            user_pools={"users": stateful.user_pool},
            user_pool_clients={"users": stateful.user_pool_client},
            secrets=secrets,
        )
        refs = References(
            self,
            "References",
            prefix=config.prefix,
            state_machines=topology.state_machines,
            resources=resources,
        )

        messaging = Messaging(
            self,
            "Messaging",
            prefix=config.prefix,
            topics=topology.topics,
            queues=topology.queues,
            subscriptions_=topology.subscriptions,
        )
        resources.topics = messaging.topics
        resources.queues = messaging.queues

        buses = EventBuses(
            self,
            "EventBuses",
            prefix=config.prefix,
            buses=topology.buses,
            partner_event_source=config.stripe_partner_event_source,
        )
        resources.buses = buses.buses

        # the WebSocket APIs before the functions: those that push are given a stage's callback URL
        websockets = WebSocketApis(
            self,
            "WebSocketApis",
            prefix=config.prefix,
            stage_name=config.stage,
            apis=topology.websocket_apis,
            throttle_rate_limit=config.api_throttle_rate_limit,
            throttle_burst_limit=config.api_throttle_burst_limit,
        )
        resources.websocket_apis = websockets.apis

        # the functions' log groups are a nested stack: CloudFormation allows 500 resources per
        # stack, and with a role, a policy and a log group each the functions alone pass 350
        self.function_logs_stack = NestedStack(
            self, "FunctionLogsStack", description="The log groups of Resale's functions"
        )
        functions = Functions(
            self,
            "Functions",
            log_scope=self.function_logs_stack,
            functions=topology.functions,
            config=config,
            resolve=refs.resolve,
            database=stateful.database,
            mongodb_secret_arn=secrets["mongodb"].secret_arn,
        )
        resources.functions = functions.functions
        websockets.add_routes(functions.functions)

        # grants: the topology's, plus the secrets that uses_postgres / uses_mongo imply
        for spec in topology.functions:
            function = functions.functions[spec.name]
            for grant in spec.grants:
                refs.grant(function, grant)
            for value in spec.full_environment.values():
                if isinstance(value, Ref) and value.kind == Kind.SECRET:
                    refs.grant(function, Grant(Kind.SECRET, value.name, "read"))
            if spec.uses_postgres:
                stateful.database.secret.grant_read(function)
            if spec.uses_mongo:
                secrets["mongodb"].grant_read(function)

        for queue in topology.queues:
            if queue.consumer is None:
                continue
            consumer = queue.consumer
            functions.functions[consumer.function].add_event_source(
                event_sources.SqsEventSource(
                    messaging.queues[queue.name],
                    batch_size=consumer.batch_size,
                    max_batching_window=(
                        Duration.seconds(consumer.max_batching_window_s)
                        if consumer.max_batching_window_s
                        else None
                    ),
                    report_batch_item_failures=True,
                )
            )
            refs.grant(functions.functions[consumer.function], Grant(Kind.QUEUE, queue.name, "consume"))

        workflows = Workflows(
            self,
            "Workflows",
            state_machines=topology.state_machines,
            resolve=refs.resolve,
            name_of=refs.state_machine_name,
            log_retention_days=config.log_retention_days,
            removal_policy=removal,
        )  # each state machine's role is derived from its ASL's Task states (workflows.py)

        # The REST API (resources, methods, the authorizer, gateway responses) is a nested stack:
        # CloudFormation allows 500 resources per stack, and the API alone has about 200.
        self.api_stack = NestedStack(self, "ApiStack", description="The REST API of Resale")
        self.api = Api(
            self.api_stack,
            "Api",
            name=config.prefix,
            stage_name=config.stage,
            routes=topology.routes,
            user_pool=stateful.user_pool,
            functions=functions.functions,
            throttle_rate_limit=config.api_throttle_rate_limit,
            throttle_burst_limit=config.api_throttle_burst_limit,
            cors=Cors(allowed_origins=config.cors_allowed_origins),
            log_retention_days=config.log_retention_days,
            removal_policy=removal,
        )

        # the schema first: each deploy that changes the migrate job's code (its SQL, its index
        # declarations) runs it once, after the functions exist and before the API is updated;
        # its failure fails the deploy
        for spec in topology.functions:
            if spec.on_deploy and (plan is None or plan.is_primary):
                handler = functions.functions[spec.name]
                assert isinstance(handler, lambda_.Function)
                triggers.Trigger(
                    self,
                    f"OnDeploy-{spec.name}",
                    handler=handler,
                    timeout=Duration.seconds(spec.timeout_s),
                    execute_after=[functions],
                    execute_before=[self.api_stack],
                )

        if plan is not None:
            RegionalEndpoint(self.api_stack, "Endpoint", config=config, rest_api=self.api.rest_api)

        rules = EventRules(
            self,
            "EventRules",
            prefix=config.prefix,
            rules=topology.rules,
            buses=buses.buses,
            functions=functions.functions,
            queues=messaging.queues,
            state_machines=workflows.state_machines,
        )

        self._functions = functions.functions
        self._state_machines = workflows.state_machines
        self._dead_letter_queues = {**messaging.dead_letter_queues, **rules.dead_letter_queues}

        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the REST API")
        for name, live in websockets.apis.items():
            CfnOutput(
                self, f"WebSocketUrl{name.title()}", value=live.url, description=f"The {name} WebSocket API"
            )
        CfnOutput(self, "UserPoolId", value=stateful.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=stateful.user_pool_client.user_pool_client_id)

    @property
    def functions(self) -> Mapping[str, lambda_.IFunction]:
        return self._functions

    @property
    def state_machines(self) -> Mapping[str, sfn.IStateMachine]:
        return self._state_machines

    @property
    def dead_letter_queues(self) -> Mapping[str, sqs.IQueue]:
        """Every DLQ: the queues' and the event rules'."""
        return self._dead_letter_queues
