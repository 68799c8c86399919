"""Pushes to WebSocket connections through API Gateway's ``@connections`` management API.

The client is boto3's ``apigatewaymanagementapi`` with ``endpoint_url`` = the stage's callback
URL (``https://<api>.execute-api.<region>.amazonaws.com/<stage>``; the local cloud's own
endpoint locally). A connection that is gone answers 410 ``GoneException``: $disconnect is
best-effort, so a push is where a stale connection is found, and the caller removes it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from botocore.client import BaseClient

#: API Gateway's limit on one message pushed to a connection (frames are split at 32 KB)
MAX_MESSAGE_BYTES = 128 * 1024


class ConnectionsPusher:
    """Implements ``workflows.messaging.ports.Pusher``."""

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def push(self, connection_id: str, frame: dict[str, Any]) -> bool:
        data = json.dumps(frame, separators=(",", ":")).encode()
        if len(data) > MAX_MESSAGE_BYTES:
            raise ValueError(f"a frame of {len(data)} bytes is over API Gateway's {MAX_MESSAGE_BYTES}")
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if error.get("Code") == "GoneException" or status == 410:
                return False
            if error.get("Code") in {"LimitExceededException", "ThrottlingException"} or (status or 0) >= 500:
                raise TransientError(f"@connections is unavailable: {error.get('Code')}") from exc
            raise
        except (ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"@connections could not be reached: {exc}") from exc
        return True
