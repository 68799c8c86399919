"""The CDK app: the stateful, stateless and monitoring stacks of one stage.

A multi-region stage (``regions`` with more than one) has those three stacks in each region,
named with the region, plus each secondary region's images bucket stack.

npx cdk synth -c stage=dev
npx cdk deploy --all -c stage=prod -c alarm_email=ops@example.com
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk

from stacks.config import StageConfig, load_stage
from stacks.monitoring import MonitoringStack
from stacks.regions import RegionPlan
from stacks.stateful import ImagesReplicaStack, StatefulStack
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


def build_stage(
    scope: Construct,
    config: StageConfig,
    topology: Topology = TOPOLOGY,
    *,
    plan: RegionPlan | None = None,
    images: ImagesReplicaStack | None = None,
) -> ResaleStage:
    """Compose the stage's stacks from a validated topology; tag everything project + stage.

    With a ``plan``, the stacks of one region of a multi-region stage (``config`` as that region
    sees it), their names ending with the region.
    """
    topology.validate()
    env = cdk.Environment(account=config.account, region=config.region)
    base = f"Resale-{config.stage}"
    suffix = f"-{plan.region}" if plan is not None else ""
    stateful = StatefulStack(
        scope,
        f"{base}-Stateful{suffix}",
        config=config,
        topology=topology,
        plan=plan,
        images_bucket=images.bucket if images is not None else None,
        env=env,
        description=f"Resale {config.stage}: tables, images, users, PostgreSQL, secrets",
        termination_protection=config.removal_policy != "destroy",
    )
    stateless = StatelessStack(
        scope,
        f"{base}-Stateless{suffix}",
        config=config,
        topology=topology,
        stateful=stateful,
        plan=plan,
        env=env,
        description=f"Resale {config.stage}: functions, workflows, API, messaging, events",
    )
    monitoring = MonitoringStack(
        scope,
        f"{base}-Monitoring{suffix}",
        config=config,
        dead_letter_queues=stateless.dead_letter_queues,
        state_machines=stateless.state_machines,
        functions=stateless.functions,
        env=env,
        description=f"Resale {config.stage}: alarms and dashboard",
    )
    for stack in (stateful, stateless, monitoring):
        _tag(stack, config)
    return ResaleStage(config=config, stateful=stateful, stateless=stateless, monitoring=monitoring)


def build_regions(scope: Construct, config: StageConfig, topology: Topology = TOPOLOGY) -> list[ResaleStage]:
    """Every region's stacks of a multi-region stage, the primary's first.

    No stack refers to another region's: what crosses regions is a name (:mod:`stacks.regions`).
    Deploy order is declared instead: the secondaries' images buckets before the primary's
    stateful stack (its bucket replicates into them), the primary's stateful stack before the
    secondaries' (their table replicas and secondary cluster are the primary's to make).
    """
    plans = [RegionPlan(config, region) for region in config.regions]
    replicas: dict[str, ImagesReplicaStack] = {}
    for plan in plans[1:]:
        replicas[plan.region] = ImagesReplicaStack(
            scope,
            f"Resale-{config.stage}-Images-{plan.region}",
            config=config.in_region(plan.region),
            plan=plan,
            env=cdk.Environment(account=config.account, region=plan.region),
            description=f"Resale {config.stage}: the images replica bucket in {plan.region}",
            termination_protection=config.removal_policy != "destroy",
        )
        _tag(replicas[plan.region], config)
    stages = [
        build_stage(
            scope, config.in_region(plan.region), topology, plan=plan, images=replicas.get(plan.region)
        )
        for plan in plans
    ]
    primary = stages[0].stateful
    for replica in replicas.values():
        primary.add_stack_dependency(replica)
    for stage in stages[1:]:
        stage.stateful.add_stack_dependency(primary)
    return stages


def build_app(scope: Construct, config: StageConfig, topology: Topology = TOPOLOGY) -> list[ResaleStage]:
    """The stage's stacks: one region's, or each region's of a multi-region stage."""
    if config.is_multi_region:
        return build_regions(scope, config, topology)
    return [build_stage(scope, config, topology)]


def _tag(stack: cdk.Stack, config: StageConfig) -> None:
    cdk.Tags.of(stack).add("project", PROJECT, exclude_resource_types=UNTAGGABLE)
    cdk.Tags.of(stack).add("stage", config.stage, exclude_resource_types=UNTAGGABLE)


def main() -> None:
    app = cdk.App()
    context = {
        key: app.node.try_get_context(key) for key in ("stage", "stage_settings", *StageConfig.model_fields)
    }
    build_app(app, load_stage(context))
    app.synth()


if __name__ == "__main__":
    main()
