"""Cold imports of the deployed handlers, and the size of what is deployed (``make bench``).

Each handler is imported in a fresh interpreter of the runtime's Python whose path is the code
asset, the dependencies bundle and the Powertools layer's and runtime's stand-ins alone
(tests/infra/lambda_sandbox.py), under its function's environment from the synthesized
template, ``RUNS`` times; its figure is the median. Reported: each handler's import time
(slowest first, against the 300 ms target), the modules that cost the most across handlers
(their own time, not their imports', from a run with ``-X importtime``), and the unzipped sizes
against Lambda's 250 MB. ``python -m tests.bench.cold_imports`` runs it alone.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from stacks import bundle
from tests.infra.lambda_sandbox import (
    COLD_IMPORT_TARGET_MS,
    UNZIPPED_LIMIT_BYTES,
    Sandbox,
    code_asset,
    deployed_functions,
)
from tests.infra.synth import synthesize

TARGET = bundle.Target(runtime="python3.12", architecture="x86_64")
#: the slowest modules listed
TOP = 15
#: fresh interpreters per handler (the median is its figure)
RUNS = 3


def run(cloud: Any = None) -> list[str]:
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        synth = synthesize(work / "cdk.out", stage="dev")
        functions = deployed_functions([synth.stateless.to_json(), synth.api.to_json()], TARGET)
        sandbox = Sandbox.for_target(TARGET, code_asset(work / "code"))

        sizes = {
            "code asset": bundle.directory_size(sandbox.path[0]),
            "dependencies bundle": bundle.directory_size(sandbox.path[1]),
            "Powertools layer (stand-in)": bundle.directory_size(sandbox.path[2]),
        }
        for name, size in sizes.items():
            lines.append(f"unzipped  {name:<30} {size / 1e6:7.1f} MB")
        total = sum(sizes.values())
        lines.append(
            f"unzipped  {'total':<30} {total / 1e6:7.1f} MB  (limit {UNZIPPED_LIMIT_BYTES / 1e6:.0f} MB)"
        )

        timings: list[tuple[float, str]] = []
        cost: dict[str, list[float]] = defaultdict(list)
        for function in functions:
            runs = [sandbox.cold_import(function) for _ in range(RUNS)]
            timings.append((statistics.median(ms for ms, _ in runs), function.handler))
            for own_ms, module in runs[0][1]:
                cost[module].append(own_ms)

    timings.sort(reverse=True)
    over = [t for t in timings if t[0] > COLD_IMPORT_TARGET_MS]
    values = [ms for ms, _ in timings]
    lines.append(
        f"cold import of {len(timings)} handlers (median of {RUNS} each): median "
        f"{statistics.median(values):.0f} ms, max {max(values):.0f} ms; {len(over)} over "
        f"{COLD_IMPORT_TARGET_MS} ms (target every handler ≤ {COLD_IMPORT_TARGET_MS} ms: "
        f"{'met' if not over else 'MISSED'})"
    )
    lines += [f"cold import  {handler:<52} {ms:6.0f} ms" for ms, handler in timings]
    slowest = sorted(cost.items(), key=lambda item: -statistics.median(item[1]))[:TOP]
    lines.append(f"slowest modules (own time, median over the {len(timings)} handlers that import them):")
    lines += [
        f"  {module:<60} {statistics.median(values):6.1f} ms  in {len(values)} handlers"
        for module, values in slowest
    ]
    return lines


if __name__ == "__main__":
    for line in run():
        print(line, flush=True)
    sys.exit(0)
