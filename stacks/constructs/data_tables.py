"""DynamoDB tables declared in the topology: on-demand, point-in-time recovery, TTL, GSIs.

In a multi-region stage the tables of :data:`stacks.regions.GLOBAL_TABLES` are global tables
(``TableV2``, ``AWS::DynamoDB::GlobalTable``) made by the primary region with a replica in each
other region, which imports its replica by name. The single-region stage keeps ``Table``: turning
a ``AWS::DynamoDB::Table`` into a ``GlobalTable`` is a replacement (a new, empty table).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import RemovalPolicy, Tags
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from stacks.naming import LOGICAL_NAME_TAG, construct_id
from stacks.regions import GLOBAL_TABLES

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from stacks.regions import RegionPlan
    from stacks.topology import Key, Table

_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


class DataTables(Construct):
    """Every topology table, by logical name."""

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        tables: Sequence[Table],
        removal_policy: RemovalPolicy,
        deletion_protection: bool,
        plan: RegionPlan | None = None,
    ) -> None:
        super().__init__(scope, construct_id_)
        built: dict[str, dynamodb.ITable] = {}
        for spec in tables:
            if plan is not None and spec.name in GLOBAL_TABLES:
                built[spec.name] = (
                    self._global_table(spec, plan, removal_policy, deletion_protection)
                    if plan.is_primary
                    else self._replica(spec, plan)
                )
                continue
            table = dynamodb.Table(
                self,
                construct_id(spec.name),
                partition_key=_attribute(spec.partition_key),
                sort_key=_attribute(spec.sort_key) if spec.sort_key else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                encryption=dynamodb.TableEncryption.AWS_MANAGED,
                time_to_live_attribute=spec.ttl_attribute,
                deletion_protection=deletion_protection,
                removal_policy=removal_policy,
            )
            for index in spec.indexes:
                table.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attribute(index.partition_key),
                    sort_key=_attribute(index.sort_key) if index.sort_key else None,
                    projection_type=dynamodb.ProjectionType.ALL,
                )
            Tags.of(table).add(LOGICAL_NAME_TAG, spec.name)
            built[spec.name] = table
        self._tables = built

    def _global_table(
        self, spec: Table, plan: RegionPlan, removal_policy: RemovalPolicy, deletion_protection: bool
    ) -> dynamodb.TableV2:
        """The global table, from the primary region, with the same settings in every replica."""
        recovery = dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True)
        table = dynamodb.TableV2(
            self,
            construct_id(spec.name),
            table_name=plan.table_name(spec.name),
            partition_key=_attribute(spec.partition_key),
            sort_key=_attribute(spec.sort_key) if spec.sort_key else None,
            billing=dynamodb.Billing.on_demand(),
            point_in_time_recovery_specification=recovery,
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=_attribute(index.partition_key),
                    sort_key=_attribute(index.sort_key) if index.sort_key else None,
                    projection_type=dynamodb.ProjectionType.ALL,
                )
                for index in spec.indexes
            ],
            replicas=[
                dynamodb.ReplicaTableProps(
                    region=region,
                    point_in_time_recovery_specification=recovery,
                    deletion_protection=deletion_protection,
                )
                for region in plan.replica_regions
            ],
        )
        Tags.of(table).add(LOGICAL_NAME_TAG, spec.name)
        return table

    def _replica(self, spec: Table, plan: RegionPlan) -> dynamodb.ITable:
        """This region's replica of a global table the primary region made: by its name."""
        return dynamodb.TableV2.from_table_attributes(
            self,
            construct_id(spec.name),
            table_name=plan.table_name(spec.name),
            global_indexes=[index.name for index in spec.indexes] or None,
        )

    @property
    def tables(self) -> Mapping[str, dynamodb.ITable]:
        return dict(self._tables)
