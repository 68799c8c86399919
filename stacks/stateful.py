"""The stateful stack: data that outlives deployments (tables, images, users, databases, secrets)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import RemovalPolicy, Stack

from stacks.constructs.data_tables import DataTables
from stacks.constructs.database import (
    AuroraDatabase,
    DatabaseAccess,
    ExistingDatabase,
    GlobalDatabase,
    SecondaryAuroraDatabase,
)
from stacks.constructs.identity import Identity
from stacks.constructs.log_retention import retention
from stacks.constructs.secrets import Secrets
from stacks.constructs.storage import ImagesBucket

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_secretsmanager as secretsmanager
    from constructs import Construct

    from stacks.config import StageConfig
    from stacks.regions import RegionPlan
    from stacks.topology import Topology

_REMOVAL_POLICIES = {
    "destroy": RemovalPolicy.DESTROY,
    "retain": RemovalPolicy.RETAIN,
    "snapshot": RemovalPolicy.SNAPSHOT,
}


def removal_policy(config: StageConfig, *, snapshot_capable: bool = False) -> RemovalPolicy:
    """The stage's removal policy; ``snapshot`` means retain for resources that can't snapshot."""
    policy = _REMOVAL_POLICIES[config.removal_policy]
    if policy == RemovalPolicy.SNAPSHOT and not snapshot_capable:
        return RemovalPolicy.RETAIN
    return policy


class StatefulStack(Stack):
    """Tables, the images bucket, the user pool, PostgreSQL and the secrets.

    The typed properties are what the stateless stack consumes; CDK turns them into
    cross-stack references.

    With a ``plan`` (a multi-region stage) the stack is one region's: the primary makes the
    global tables and the global database; a secondary imports its table replicas by name, has a
    secondary cluster, and is given its images bucket (made by its :class:`ImagesReplicaStack`,
    which deploys before the primary's bucket replicates into it).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        topology: Topology,
        plan: RegionPlan | None = None,
        images_bucket: s3.IBucket | None = None,
        **kwargs: Any,
    ) -> None:
        self._plan = plan
        super().__init__(scope, construct_id, **kwargs)
        protect = config.removal_policy != "destroy"
        policy = removal_policy(config)

        self._tables = DataTables(
            self,
            "Tables",
            tables=topology.tables,
            removal_policy=policy,
            deletion_protection=protect,
            plan=plan,
        )
        if images_bucket is None:
            images = ImagesBucket(
                self,
                "Images",
                allowed_origins=config.cors_allowed_origins,
                upload_prefix=config.unconfirmed_upload_prefix,
                upload_expiry_days=config.unconfirmed_upload_expiry_days,
                removal_policy=policy,
                bucket_name=plan.images_bucket_name(plan.region) if plan else None,
                replicate_to=[plan.images_bucket_name(r) for r in plan.secondaries] if plan else (),
            )
            images_bucket = images.bucket
        self._images_bucket = images_bucket
        self._identity = Identity(
            self,
            "Identity",
            user_pool_name=f"{config.prefix}-users",
            removal_policy=policy,
            deletion_protection=protect,
        )
        if config.existing_database_secret_arn is None and plan is not None and not plan.is_primary:
            secondary = SecondaryAuroraDatabase(
                self,
                "Database",
                global_cluster_identifier=plan.global_cluster_identifier,
                cluster_identifier=plan.cluster_identifier,
                secret_name=plan.database_secret_name,
                database_name=config.database_name,
                min_acu=config.aurora_min_acu,
                max_acu=config.aurora_max_acu,
                readers=2 if config.aurora_reader else 1,
                nat_gateways=config.nat_gateways,
                log_retention=retention(config.log_retention_days),
                removal_policy=removal_policy(config, snapshot_capable=True),
                deletion_protection=protect,
            )
            self._database = secondary.access
        elif config.existing_database_secret_arn is None:
            aurora = AuroraDatabase(
                self,
                "Database",
                cluster_identifier=f"{config.prefix}-postgres",
                database_name=config.database_name,
                min_acu=config.aurora_min_acu,
                max_acu=config.aurora_max_acu,
                reader=config.aurora_reader,
                nat_gateways=config.nat_gateways,
                log_retention=retention(config.log_retention_days),
                removal_policy=removal_policy(config, snapshot_capable=True),
                deletion_protection=protect,
                global_database=(
                    GlobalDatabase(
                        plan.global_cluster_identifier, plan.database_secret_name, plan.secondaries
                    )
                    if plan is not None
                    else None
                ),
            )
            self._database = aurora.access
        else:
            existing = ExistingDatabase(
                self,
                "Database",
                secret_arn=config.existing_database_secret_arn,
                database_name=config.database_name,
            )
            self._database = existing.access
        self._secrets = Secrets(
            self,
            "Secrets",
            stage=config.stage,
            mongodb_uri_secret_name=config.mongodb_uri_secret_name,
            removal_policy=policy,
        )

    @property
    def availability_zones(self) -> list[str]:
        """A multi-region stage's zones are its settings', not looked up: its stacks have a
        concrete environment, whose zones CDK would otherwise ask AWS for at synth."""
        if self._plan is None:
            return list(super().availability_zones)
        return list(self._plan.availability_zones)

    @property
    def tables(self) -> Mapping[str, dynamodb.ITable]:
        return self._tables.tables

    @property
    def images_bucket(self) -> s3.IBucket:
        return self._images_bucket

    @property
    def user_pool(self) -> cognito.IUserPool:
        return self._identity.user_pool

    @property
    def user_pool_client(self) -> cognito.IUserPoolClient:
        return self._identity.client

    @property
    def database(self) -> DatabaseAccess:
        return self._database

    @property
    def secrets(self) -> Mapping[str, secretsmanager.ISecret]:
        """Provider and MongoDB secrets, plus ``database`` (the PostgreSQL credentials)."""
        return {**self._secrets.secrets, "database": self._database.secret}


class ImagesReplicaStack(Stack):
    """A secondary region's images bucket, in a stack of its own: S3 refuses a replication rule
    whose destination does not exist yet, and the primary's stateful stack (whose bucket
    replicates here) deploys before the secondary's (whose cluster joins the primary's global
    database)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, plan: RegionPlan, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.images = ImagesBucket(
            self,
            "Images",
            allowed_origins=config.cors_allowed_origins,
            upload_prefix=config.unconfirmed_upload_prefix,
            upload_expiry_days=config.unconfirmed_upload_expiry_days,
            removal_policy=removal_policy(config),
            bucket_name=plan.images_bucket_name(plan.region),
        )

    @property
    def bucket(self) -> s3.IBucket:
        return self.images.bucket
