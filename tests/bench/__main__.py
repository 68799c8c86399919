"""``make bench``: measured costs and latencies (not part of ``make test``).

Capability benchmarks live beside this module (``tests/bench/<capability>.py``, each with
``run(cloud) -> list[str]``) and run after the platform's own figures; ``make bench ONLY=catalog``
runs one of them.

- start-up of the whole local cloud (what ``make dev`` waits for), per part;
- cost per Lambda step and per state transition in the Step Functions interpreter;
- latency of the platform canary (a real state machine, end to end);
- latency of ``GET /health`` through the API gateway emulator (p50/p95 over 200 calls).
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import time

import requests

from local.cloud.measure import measure_step_cost
from local.runtime import LocalCloud, LocalCloudConfig

CAPABILITY_BENCHMARKS = (
    # first: it times fresh interpreters, which the local cloud's leftover work (executions,
    # consumers, pollers of the benchmarks before) would slow on a two-core machine
    "cold_imports",
    "accounts",
    # before the benchmarks that leave executions waiting: the sale moves the clock by weeks,
    # which would wake theirs inside its count
    "sale",
    "catalog",
    "checkout",
    "auctions",
    "feedback",
    "offers",
    "cases",
    "messaging",
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> int:
    started = time.perf_counter()
    cloud = LocalCloud(LocalCloudConfig(clock="virtual"))
    cloud.start()
    startup_s = time.perf_counter() - started
    try:
        assert cloud.aws is not None and cloud.scheduler is not None
        parts = ", ".join(f"{k} {v:.2f}" for k, v in cloud.timings.items())
        print(f"local cloud start-up: {startup_s:.2f} s  ({parts})")

        costs = measure_step_cost(aws=cloud.aws)
        for name, value in costs.items():
            print(f"step cost  {name:<32} {value:7.2f} ms")

        canary = []
        for _ in range(50):
            t = time.perf_counter()
            (arn,) = cloud.scheduler.fire("platform-canary")
            result = cloud.aws.wait_for_execution(arn)
            canary.append((time.perf_counter() - t) * 1000)
            assert result["status"] == "SUCCEEDED", result
        print(
            f"platform canary end to end (50 runs): p50 {percentile(canary, 50):.1f} ms, "
            f"p95 {percentile(canary, 95):.1f} ms"
        )

        session = requests.Session()
        url = f"{cloud.api_url}/health"
        session.get(url, timeout=10)  # cold start
        latencies = []
        for _ in range(200):
            t = time.perf_counter()
            response = session.get(url, timeout=10)
            latencies.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        print(
            f"GET /health through the gateway (200 calls): p50 {percentile(latencies, 50):.2f} ms, "
            f"p95 {percentile(latencies, 95):.2f} ms, mean {statistics.fmean(latencies):.2f} ms"
        )
        for name in CAPABILITY_BENCHMARKS:
            if os.environ.get("ONLY") not in (None, "", name):
                continue
            print(f"\n== {name} ==", flush=True)
            for line in importlib.import_module(f"tests.bench.{name}").run(cloud):
                print(line, flush=True)
    finally:
        cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
