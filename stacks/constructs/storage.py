"""The images bucket: private, TLS only, encrypted, browser uploads through presigned URLs.

In a multi-region stage each region has its own (named, versioned) images bucket, and the
primary's replicates every object to the others (S3 Cross-Region Replication, asynchronous,
with Replication Time Control: 99.99 % of objects within 15 minutes, by AWS's SLA).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Duration, RemovalPolicy, Tags
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.naming import LOGICAL_NAME_TAG

if TYPE_CHECKING:
    from collections.abc import Sequence


class ImagesBucket(Construct):
    """Listing images. Uploads land under ``upload_prefix`` and expire unless confirmed."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        allowed_origins: Sequence[str],
        upload_prefix: str,
        upload_expiry_days: int,
        removal_policy: RemovalPolicy,
        bucket_name: str | None = None,
        replicate_to: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        destroy = removal_policy == RemovalPolicy.DESTROY
        regional: dict[str, Any] = {}
        if bucket_name is not None:  # a multi-region stage's: named, versioned (replication needs it)
            regional = {"bucket_name": bucket_name, "versioned": True}
        if replicate_to:
            regional["replication_rules"] = [
                self._rule(index, name) for index, name in enumerate(replicate_to)
            ]
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET],
                    allowed_origins=list(allowed_origins),
                    allowed_headers=["*"],
                    exposed_headers=["ETag"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-unconfirmed-uploads",
                    prefix=upload_prefix,
                    expiration=Duration.days(upload_expiry_days),
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
            **regional,
        )
        Tags.of(self.bucket).add(LOGICAL_NAME_TAG, "images")

    def _rule(self, index: int, destination_name: str) -> s3.ReplicationRule:
        """Every object (deletes too) to another region's bucket, timed and measured (RTC)."""
        return s3.ReplicationRule(
            id=f"to-{destination_name}",
            priority=index,
            destination=s3.Bucket.from_bucket_name(self, f"Replica{index}", destination_name),
            delete_marker_replication=True,
            replication_time_control=s3.ReplicationTimeValue.FIFTEEN_MINUTES,
            metrics=s3.ReplicationTimeValue.FIFTEEN_MINUTES,
        )
