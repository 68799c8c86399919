"""The images bucket: private, TLS only, encrypted, browser uploads through presigned URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    ) -> None:
        super().__init__(scope, construct_id)
        destroy = removal_policy == RemovalPolicy.DESTROY
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
        )
        Tags.of(self.bucket).add(LOGICAL_NAME_TAG, "images")
