"""S3: presigned uploads of listing images, and where clients read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from workflows.catalog.ports import StoredObject, UploadTicket
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from botocore.client import BaseClient

#: how long a read URL of an image is valid
READ_URL_EXPIRES_S = 3600


class S3ImageStore:
    """Implements ``workflows.catalog.ports.ImageStore`` on one bucket."""

    def __init__(self, client: BaseClient, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def upload_ticket(self, key: str, content_type: str, size: int, expires_s: int) -> UploadTicket:
        """A presigned POST: this key, this content type, at most ``size`` bytes."""
        try:
            post = self._client.generate_presigned_post(
                Bucket=self._bucket,
                Key=key,
                Fields={"Content-Type": content_type},
                Conditions=[
                    {"Content-Type": content_type},
                    ["content-length-range", 1, size],
                ],
                ExpiresIn=expires_s,
            )
        except ClientError as exc:
            raise TransientError(f"no upload URL for {key}: {exc}") from exc
        return UploadTicket(
            url=str(post["url"]),
            method="POST",
            fields={str(k): str(v) for k, v in post["fields"].items()},
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_s),
        )

    def head(self, key: str) -> StoredObject | None:
        try:
            found = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise TransientError(f"could not look at {key}: {exc}") from exc
        except (ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"could not look at {key}: {exc}") from exc
        return StoredObject(size=int(found["ContentLength"]), content_type=str(found.get("ContentType", "")))

    def url(self, key: str) -> str:
        url: str = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=READ_URL_EXPIRES_S
        )
        return url
