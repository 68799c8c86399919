"""PostgreSQL: Aurora Serverless v2 behind RDS Proxy, or an existing self-managed server.

In a multi-region stage the primary region's cluster is the writer of an Aurora Global Database
and each secondary region has a secondary cluster of it (read-only storage replicated by Aurora,
writes forwarded to the primary), behind its own RDS Proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

POSTGRES_PORT = 5432
ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_13
ENGINE = rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION)
#: the cluster's admin user (its generated secret is what the functions and the proxy use)
ADMIN_USER = "resale_admin"

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class GlobalDatabase:
    """The primary cluster's part in a global database: its name, and where the admin secret
    is replicated to (each secondary region's proxy signs in with the replica)."""

    identifier: str
    secret_name: str
    replica_regions: Sequence[str]


@dataclass(frozen=True)
class DatabaseAccess:
    """What a function that uses PostgreSQL needs: where to connect and with which secret.

    ``vpc`` is ``None`` for an existing server reached without a VPC; then ``host`` is ``None``
    too and the connection details come from the secret alone.
    """

    secret: secretsmanager.ISecret
    name: str
    host: str | None = None
    port: int = POSTGRES_PORT
    vpc: ec2.IVpc | None = None
    subnets: ec2.SubnetSelection | None = None
    security_group: ec2.ISecurityGroup | None = None


class AuroraDatabase(Construct):
    """A VPC (public, private-with-egress for functions, isolated for data), an Aurora
    Serverless v2 PostgreSQL cluster with generated credentials, and an RDS Proxy."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_identifier: str,
        database_name: str,
        min_acu: float,
        max_acu: float,
        reader: bool,
        nat_gateways: int,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        deletion_protection: bool,
        global_database: GlobalDatabase | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc, self.functions_security_group = _network(self, nat_gateways)
        isolated = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        reader_instance = _reader(reader)
        readers = [reader_instance] if reader_instance is not None else []
        postgres_logs = _postgres_logs(self, cluster_identifier, log_retention, removal_policy)
        credentials = rds.Credentials.from_generated_secret(ADMIN_USER)
        if global_database is not None:
            credentials = rds.Credentials.from_generated_secret(
                ADMIN_USER,
                secret_name=global_database.secret_name,
                replica_regions=[
                    secretsmanager.ReplicaRegion(region=region) for region in global_database.replica_regions
                ],
            )
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            cluster_identifier=cluster_identifier,
            engine=ENGINE,
            writer=rds.ClusterInstance.serverless_v2("writer"),
            readers=readers,
            serverless_v2_min_capacity=min_acu,
            serverless_v2_max_capacity=max_acu,
            credentials=credentials,
            default_database_name=database_name,
            vpc=self.vpc,
            vpc_subnets=isolated,
            storage_encrypted=True,
            backup=rds.BackupProps(retention=Duration.days(7)),
            cloudwatch_logs_exports=["postgresql"],
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
        )
        self.cluster.node.add_dependency(postgres_logs)
        secret = self.cluster.secret
        if secret is None:  # pragma: no cover - generated credentials always make one
            raise RuntimeError("the Aurora cluster has no credentials secret")
        self.secret: secretsmanager.ISecret = secret
        self.proxy = self.cluster.add_proxy(
            "Proxy",
            secrets=[secret],
            vpc=self.vpc,
            vpc_subnets=isolated,
            require_tls=True,
            debug_logging=False,
        )
        self.proxy.connections.allow_from(
            self.functions_security_group, ec2.Port.tcp(POSTGRES_PORT), "functions to the RDS Proxy"
        )
        self.access = DatabaseAccess(
            secret=secret,
            name=database_name,
            host=self.proxy.endpoint,
            vpc=self.vpc,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_group=self.functions_security_group,
        )
        self.global_cluster: rds.CfnGlobalCluster | None = None
        if global_database is not None:
            # made from this cluster, which becomes its primary (writer) cluster
            self.global_cluster = rds.CfnGlobalCluster(
                self,
                "GlobalCluster",
                global_cluster_identifier=global_database.identifier,
                source_db_cluster_identifier=self.cluster.cluster_identifier,
                deletion_protection=deletion_protection,
            )
            self.global_cluster.apply_removal_policy(removal_policy)


class SecondaryAuroraDatabase(Construct):
    """A secondary cluster of the primary region's global database, in this region's own VPC.

    No master credentials (the global database's are the primary's; the admin secret arrives
    here as a Secrets Manager replica, by name); Serverless v2 readers; write forwarding on, so
    a function's write in this region is forwarded to the writer instead of failing; an RDS Proxy
    like the primary's. Promotion (managed switchover, or failover when the primary region is
    down) is an operation on the global cluster, not a deploy.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        global_cluster_identifier: str,
        cluster_identifier: str,
        secret_name: str,
        database_name: str,
        min_acu: float,
        max_acu: float,
        readers: int,
        nat_gateways: int,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        deletion_protection: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc, self.functions_security_group = _network(self, nat_gateways)
        isolated = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        postgres_logs = _postgres_logs(self, cluster_identifier, log_retention, removal_policy)
        subnets = rds.CfnDBSubnetGroup(
            self,
            "Subnets",
            db_subnet_group_description=f"{cluster_identifier}: the isolated subnets",
            subnet_ids=self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids,
        )
        cluster_security_group = ec2.SecurityGroup(
            self, "ClusterSecurityGroup", vpc=self.vpc, description=f"{cluster_identifier}: PostgreSQL"
        )
        self.cluster = rds.CfnDBCluster(
            self,
            "Cluster",
            db_cluster_identifier=cluster_identifier,
            global_cluster_identifier=global_cluster_identifier,
            engine="aurora-postgresql",
            engine_version=ENGINE_VERSION.aurora_postgres_full_version,
            db_subnet_group_name=subnets.ref,
            vpc_security_group_ids=[cluster_security_group.security_group_id],
            port=POSTGRES_PORT,
            storage_encrypted=True,
            serverless_v2_scaling_configuration=rds.CfnDBCluster.ServerlessV2ScalingConfigurationProperty(
                min_capacity=min_acu, max_capacity=max_acu
            ),
            enable_global_write_forwarding=True,
            enable_cloudwatch_logs_exports=["postgresql"],
            backup_retention_period=7,
            deletion_protection=deletion_protection,
        )
        self.cluster.apply_removal_policy(removal_policy)
        self.cluster.node.add_dependency(postgres_logs)
        self.instances = []
        for index in range(max(readers, 1)):
            instance = rds.CfnDBInstance(
                self,
                f"Reader{index + 1}",
                db_cluster_identifier=self.cluster.ref,
                db_instance_class="db.serverless",
                engine="aurora-postgresql",
                promotion_tier=index,
            )
            instance.apply_removal_policy(
                RemovalPolicy.DESTROY if removal_policy == RemovalPolicy.DESTROY else RemovalPolicy.RETAIN
            )
            self.instances.append(instance)
        self.secret = secretsmanager.Secret.from_secret_name_v2(self, "Secret", secret_name)
        imported = rds.DatabaseCluster.from_database_cluster_attributes(
            self,
            "Imported",
            cluster_identifier=self.cluster.ref,
            engine=ENGINE,
            port=POSTGRES_PORT,
            security_groups=[cluster_security_group],
        )
        proxy_security_group = ec2.SecurityGroup(
            self, "ProxySecurityGroup", vpc=self.vpc, description=f"{cluster_identifier}: the RDS Proxy"
        )
        self.proxy = rds.DatabaseProxy(
            self,
            "Proxy",
            proxy_target=rds.ProxyTarget.from_cluster(imported),
            secrets=[self.secret],
            vpc=self.vpc,
            vpc_subnets=isolated,
            security_groups=[proxy_security_group],
            require_tls=True,
            debug_logging=False,
        )
        for instance in self.instances:
            self.proxy.node.add_dependency(instance)
        cluster_security_group.add_ingress_rule(
            proxy_security_group, ec2.Port.tcp(POSTGRES_PORT), "the RDS Proxy to PostgreSQL"
        )
        self.proxy.connections.allow_from(
            self.functions_security_group, ec2.Port.tcp(POSTGRES_PORT), "functions to the RDS Proxy"
        )
        self.access = DatabaseAccess(
            secret=self.secret,
            name=database_name,
            host=self.proxy.endpoint,
            vpc=self.vpc,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_group=self.functions_security_group,
        )


def _network(scope: Construct, nat_gateways: int) -> tuple[ec2.Vpc, ec2.SecurityGroup]:
    """A VPC (public, private-with-egress for functions, isolated for data) in the first two of
    the stack's availability zones, and the functions' security group."""
    vpc = ec2.Vpc(
        scope,
        "Vpc",
        max_azs=2,
        nat_gateways=nat_gateways,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
            ec2.SubnetConfiguration(
                name="functions", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22
            ),
            ec2.SubnetConfiguration(name="data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24),
        ],
    )
    functions_security_group = ec2.SecurityGroup(
        scope,
        "FunctionsSecurityGroup",
        vpc=vpc,
        description="Lambda functions that reach PostgreSQL through the RDS Proxy",
        allow_all_outbound=True,
    )
    return vpc, functions_security_group


def _postgres_logs(
    scope: Construct, cluster_identifier: str, retention: logs.RetentionDays, removal_policy: RemovalPolicy
) -> logs.LogGroup:
    """Made here, with the stage's retention, before RDS makes it without one."""
    destroy = removal_policy == RemovalPolicy.DESTROY
    return logs.LogGroup(
        scope,
        "PostgresLogs",
        log_group_name=f"/aws/rds/cluster/{cluster_identifier}/postgresql",
        retention=retention,
        removal_policy=removal_policy if destroy else RemovalPolicy.RETAIN,
    )


def _reader(enabled: bool) -> rds.IClusterInstance | None:
    if not enabled:
        return None
    return rds.ClusterInstance.serverless_v2("reader", scale_with_writer=True)


class ExistingDatabase(Construct):
    """A self-managed PostgreSQL whose connection details are all in an existing secret."""

    def __init__(self, scope: Construct, construct_id: str, *, secret_arn: str, database_name: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret.from_secret_complete_arn(self, "Secret", secret_arn)
        self.access = DatabaseAccess(secret=self.secret, name=database_name)
