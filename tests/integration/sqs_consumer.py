"""A test consumer with Lambda's partial-batch-failure contract: bodies starting "bad" fail."""

from __future__ import annotations

import json
from typing import Any

SEEN: list[str] = []


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        SEEN.append(body["id"])
        if body["id"].startswith("bad"):
            failures.append({"itemIdentifier": record["messageId"]})
        if body["id"].startswith("crash"):
            raise RuntimeError("the whole batch fails")
    return {"batchItemFailures": failures}
