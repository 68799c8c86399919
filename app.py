"""The CDK app: the stateful, stateless and monitoring stacks of one stage.

npx cdk synth -c stage=dev
npx cdk deploy --all -c stage=prod -c alarm_email=ops@example.com
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk

from stacks.config import StageConfig, load_stage
from stacks.monitoring import MonitoringStack
from stacks.stateful import StatefulStack
from stacks.stateless import StatelessStack
from stacks.topology import TOPOLOGY, Topology

if TYPE_CHECKING:
    from constructs import Construct

PROJECT = "resale"
#: resource types CDK would tag but whose CloudFormation schema has no Tags property
UNTAGGABLE = ["AWS::RDS::DBProxyTargetGroup"]


@dataclass(frozen=True)
class ResaleStage:
    """The stacks of one stage, for callers (and tests) that need them."""

    config: StageConfig
    stateful: StatefulStack
    stateless: StatelessStack
    monitoring: MonitoringStack


def build_stage(scope: Construct, config: StageConfig, topology: Topology = TOPOLOGY) -> ResaleStage:
    """Compose the stage's stacks from a validated topology; tag everything project + stage."""
    topology.validate()
    env = cdk.Environment(account=config.account, region=config.region)
    base = f"Resale-{config.stage}"
    stateful = StatefulStack(
        scope,
        f"{base}-Stateful",
        config=config,
        topology=topology,
        env=env,
        description=f"Resale {config.stage}: tables, images, users, PostgreSQL, secrets",
        termination_protection=config.removal_policy != "destroy",
    )
    stateless = StatelessStack(
        scope,
        f"{base}-Stateless",
        config=config,
        topology=topology,
        stateful=stateful,
        env=env,
        description=f"Resale {config.stage}: functions, workflows, API, messaging, events",
    )
    monitoring = MonitoringStack(
        scope,
        f"{base}-Monitoring",
        config=config,
        dead_letter_queues=stateless.dead_letter_queues,
        state_machines=stateless.state_machines,
        functions=stateless.functions,
        env=env,
        description=f"Resale {config.stage}: alarms and dashboard",
    )
    for stack in (stateful, stateless, monitoring):
        cdk.Tags.of(stack).add("project", PROJECT, exclude_resource_types=UNTAGGABLE)
        cdk.Tags.of(stack).add("stage", config.stage, exclude_resource_types=UNTAGGABLE)
    return ResaleStage(config=config, stateful=stateful, stateless=stateless, monitoring=monitoring)


def main() -> None:
    app = cdk.App()
    context = {
        key: app.node.try_get_context(key) for key in ("stage", "stage_settings", *StageConfig.model_fields)
    }
    build_stage(app, load_stage(context))
    app.synth()


if __name__ == "__main__":
    main()
