"""The names a multi-region stage's regions agree on, so no stack refers to another region's.

CloudFormation cannot reference a resource in another region; CDK's workaround (SSM parameters
read by custom resources) couples the regions' deploys. Instead, whatever one region needs of
another's (a global table's replica, the images replica bucket, the global database, the
replicated admin secret) has a physical name derived here from the stage, and each region's stack
imports it by that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stacks.naming import physical_name

if TYPE_CHECKING:
    from stacks.config import StageConfig

#: tables replicated to every region (DynamoDB global tables, active-active, last writer wins):
#: each holds what a user or a workflow must find wherever the next request lands. Not
#: ``connections``: a WebSocket connection id belongs to one region's WebSocket API, and another
#: region can neither post to it nor see it close.
GLOBAL_TABLES = frozenset(
    {"carts", "idempotency", "task-tokens", "watchlists", "auction-bids", "saved-searches"}
)


@dataclass(frozen=True)
class RegionPlan:
    """One region of a multi-region stage, and the names it shares with the others."""

    config: StageConfig
    region: str

    @property
    def primary(self) -> str:
        return self.config.regions[0]

    @property
    def is_primary(self) -> bool:
        return self.region == self.primary

    @property
    def secondaries(self) -> tuple[str, ...]:
        return self.config.regions[1:]

    @property
    def replica_regions(self) -> tuple[str, ...]:
        """The other regions (where the primary's global resources have their replicas)."""
        return tuple(region for region in self.config.regions if region != self.region)

    @property
    def availability_zones(self) -> tuple[str, str]:
        """Explicit zones: a VPC in a stack with a concrete region would otherwise look them up."""
        settings = self.config.region_settings.get(self.region)
        if settings is not None and settings.availability_zones:
            return settings.availability_zones
        return (f"{self.region}a", f"{self.region}b")

    def table_name(self, logical_name: str) -> str:
        """A global table's name, the same in every region (its replicas share it)."""
        return physical_name(self.config.prefix, logical_name, max_length=255)

    def images_bucket_name(self, region: str) -> str:
        """Bucket names are global: account and region make each region's one unique."""
        return physical_name(self.config.prefix, f"images-{self.config.account}-{region}", max_length=63)

    @property
    def global_cluster_identifier(self) -> str:
        return f"{self.config.prefix}-postgres-global"

    @property
    def cluster_identifier(self) -> str:
        return f"{self.config.prefix}-postgres"

    @property
    def database_secret_name(self) -> str:
        """The Aurora admin secret, made in the primary and replicated to each secondary."""
        return f"{self.config.prefix}/postgres-admin"
