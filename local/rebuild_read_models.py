"""``make rebuild-read-models``: recompute the read models (the public seller profiles, the
catalog's search rows) from the source of truth, and print how many rows each rebuilt.

Two ways to run it, as ``make reconcile``: with ``DATABASE_URL`` set, here, against that
database (and ``MONGODB_URI``'s listings); otherwise, or whenever ``--api`` is given, by invoking
the ``feedback-rebuild-profiles`` and ``catalog-rebuild-search`` functions of the running local
cloud (``make dev``; ``--api`` or ``RESALE_API_URL``, default
http://127.0.0.1:8000).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import boto3
import requests
from botocore.config import Config

DEFAULT_API = "http://127.0.0.1:8000"


def _here() -> dict[str, Any]:
    from lambdas.wiring import catalog, feedback

    wired = catalog.wiring()
    return {
        "seller_profiles": feedback.wiring().profiles.rebuild(),
        "catalog_search": wired.indexer.rebuild(wired.listings.every()),
    }


def _in_local_cloud(api_url: str, stage: str) -> dict[str, Any]:
    config = requests.get(f"{api_url}/_local/config", timeout=10).json()["aws"]
    client = boto3.client(
        "lambda",
        endpoint_url=config["endpoint_url"],
        region_name=config["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local cloud's placeholder credentials
        config=Config(retries={"mode": "standard"}),
    )
    result: dict[str, Any] = {}
    for function in ("feedback-rebuild-profiles", "catalog-rebuild-search"):
        response = client.invoke(FunctionName=f"resale-{stage}-{function}", Payload=b"{}")
        payload: dict[str, Any] = json.loads(response["Payload"].read())
        if response.get("FunctionError"):
            raise RuntimeError(f"the rebuild function {function} failed: {payload}")
        result |= payload
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make rebuild-read-models", description=__doc__.splitlines()[0])
    parser.add_argument("--api", help="the running local cloud's API URL (default: run here if DATABASE_URL)")
    parser.add_argument("--stage", default="local", help="the local cloud's stage (default: local)")
    args = parser.parse_args(argv)
    if os.environ.get("DATABASE_URL") and not args.api:
        result = _here()
    else:
        result = _in_local_cloud(args.api or os.environ.get("RESALE_API_URL", DEFAULT_API), args.stage)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
