"""The local Step Functions shares a definition's evaluation components between its executions
(``local/cloud/stepfunctions.py``, ``_install_parse_cache``); that is safe only while moto's
components keep what an evaluation changes in the execution's Environment. These tests fail if
moto starts keeping evaluation state on a component, or if a Map/Parallel definition is shared."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import moto.stepfunctions.parser.asl.component as components

from local.cloud.stepfunctions import shareable_definition

#: the evaluation-time assignments moto makes on component objects, and why each is harmless
KNOWN = {
    ("EvalComponent", "__heap_key"),  # a key derived from the component's id, the same every time
    # Map and Parallel: definitions with them are never shared
    ("IterationWorker", "_stop_signal_received"),
    ("JobPool", "_worker_exception"),
    ("Counter", "_count"),
    ("MapRunRecord", "status"),
    ("MapRunRecord", "stop_date"),
    ("MapRunRecord", "max_concurrency"),
    ("MapRunRecord", "tolerated_failure_count"),
    ("MapRunRecord", "tolerated_failure_percentage"),
    ("BranchWorker", "_worker_thread"),
    ("BranchWorkerPool", "_terminated_with_error"),
    ("BranchWorkerPool", "_active_workers_num"),
}


def _evaluation_time_assignments() -> set[tuple[str, str]]:
    found = set()
    for path in Path(components.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
                if fn.name == "__init__" or fn.name.startswith("from_"):
                    continue
                for node in ast.walk(fn):
                    targets = node.targets if isinstance(node, ast.Assign) else []
                    if isinstance(node, ast.AugAssign | ast.AnnAssign):
                        targets = [node.target]
                    for target in targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            found.add((cls.name, target.attr))
    return found


def test_given_moto_components_then_none_keeps_evaluation_state_on_itself_beyond_the_known_ones() -> None:
    assert _evaluation_time_assignments() <= KNOWN, _evaluation_time_assignments() - KNOWN


def test_given_definitions_then_only_those_without_map_or_parallel_are_shared() -> None:
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    assert shareable_definition(json.dumps({"StartAt": "A", "States": {"A": task}}))
    inner = {"StartAt": "B", "States": {"B": {"Type": "Map", "End": True}}}
    nested = {"Type": "Parallel", "Branches": [inner], "End": True}
    assert not shareable_definition(json.dumps({"StartAt": "A", "States": {"A": nested}}))
    assert not shareable_definition("not json")


def test_given_the_project_machines_then_the_checkout_ones_are_shared() -> None:
    root = Path(__file__).parents[2] / "statemachines"
    for name in ("checkout.json", "fee_calculation.json"):
        assert shareable_definition((root / name).read_text())
