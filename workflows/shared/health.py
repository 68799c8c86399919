"""Readiness: is each dependency answering?"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

from workflows.shared.views import View

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Protocol

    class Probe(Protocol):
        def ping(self) -> None:
            """Return when the dependency answers; raise when it does not."""
            ...


class DependencyStatus(View):
    status: Literal["ok", "unavailable"]
    latency_ms: float
    error: str | None = None


class HealthReport(View):
    status: Literal["ok", "degraded"]
    dependencies: dict[str, DependencyStatus]


def check(probes: Mapping[str, Probe]) -> HealthReport:
    results: dict[str, DependencyStatus] = {}
    for name, probe in probes.items():
        started = time.perf_counter()
        try:
            probe.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; it is reported
            results[name] = DependencyStatus(
                status="unavailable",
                latency_ms=round((time.perf_counter() - started) * 1000, 2),
                error=type(exc).__name__,
            )
            continue
        results[name] = DependencyStatus(
            status="ok", latency_ms=round((time.perf_counter() - started) * 1000, 2)
        )
    overall: Literal["ok", "degraded"] = (
        "ok" if all(r.status == "ok" for r in results.values()) else "degraded"
    )
    return HealthReport(status=overall, dependencies=results)
