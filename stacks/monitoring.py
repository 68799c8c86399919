"""The monitoring stack: alarms and a dashboard over the stateless stack's resources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch

from stacks.constructs.alarms import Alarms
from stacks.topology import TOPOLOGY

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sqs as sqs
    from aws_cdk import aws_stepfunctions as sfn
    from constructs import Construct

    from stacks.config import StageConfig
    from stacks.model import Topology

#: the topology's function that reconciles the ledger with Stripe (its metric is alarmed on)
RECONCILE_FUNCTION = "payouts-reconcile"


class MonitoringStack(Stack):
    """Alarms on every DLQ, state machine and function; a dashboard of the same signals."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        dead_letter_queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
        functions: Mapping[str, lambda_.IFunction],
        topology: Topology = TOPOLOGY,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        reconciles = [f.service for f in topology.functions if f.name == RECONCILE_FUNCTION]
        self.alarms = Alarms(
            self,
            "Alarms",
            prefix=config.prefix,
            alarm_email=config.alarm_email,
            dead_letter_queues=dead_letter_queues,
            state_machines=state_machines,
            functions=functions,
            reconciliation_service=reconciles[0] if reconciles else None,
            failures_caught_by_caller=frozenset(
                m.name for m in topology.state_machines if m.failures_caught_by_caller
            ),
        )
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"{config.prefix}-overview", default_interval=Duration.hours(6)
        )
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.alarms), width=24),
        )
        if functions:
            dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Function errors",
                    left=[fn.metric_errors(label=name) for name, fn in functions.items()],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title="Function duration p95",
                    left=[fn.metric_duration(label=name, statistic="p95") for name, fn in functions.items()],
                    width=12,
                ),
            )
        if dead_letter_queues:
            dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Dead letters",
                    left=[
                        queue.metric_approximate_number_of_messages_visible(label=name)
                        for name, queue in dead_letter_queues.items()
                    ],
                    width=24,
                )
            )
        if state_machines:
            dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Executions failed",
                    left=[machine.metric_failed(label=name) for name, machine in state_machines.items()],
                    width=24,
                )
            )
