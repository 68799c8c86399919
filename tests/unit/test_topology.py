"""The topology refuses to describe something that cannot be built."""

from __future__ import annotations

import dataclasses

import pytest

from stacks.topology import TOPOLOGY, Consumer, FunctionTarget, Kind, Ref, Route, Rule, RuleTarget


def test_given_the_real_topology_then_it_is_consistent() -> None:
    TOPOLOGY.validate()


def test_given_a_route_to_an_undeclared_function_then_validation_names_it() -> None:
    broken = dataclasses.replace(
        TOPOLOGY, routes=(*TOPOLOGY.routes, Route("GET", "/x", "public", FunctionTarget("nope")))
    )
    with pytest.raises(ValueError, match="route GET /x: unknown function 'nope'"):
        broken.validate()


def test_given_an_environment_ref_to_an_undeclared_table_then_validation_names_it() -> None:
    fn = dataclasses.replace(TOPOLOGY.functions[0], environment={"T": Ref(Kind.TABLE, "ghost")})
    broken = dataclasses.replace(TOPOLOGY, functions=(fn, *TOPOLOGY.functions[1:]))
    with pytest.raises(ValueError, match="unknown table 'ghost'"):
        broken.validate()


def test_given_a_rule_with_both_pattern_and_schedule_then_it_is_refused() -> None:
    rule = Rule(
        "both",
        targets=(RuleTarget("function", "api-health"),),
        event_pattern={"source": ["x"]},
        schedule="rate(1 hour)",
    )
    broken = dataclasses.replace(TOPOLOGY, rules=(*TOPOLOGY.rules, rule))
    with pytest.raises(ValueError, match="exactly one of event_pattern and schedule"):
        broken.validate()


def test_given_a_queue_whose_visibility_is_shorter_than_six_consumer_timeouts_then_it_is_refused() -> None:
    queue = dataclasses.replace(TOPOLOGY.queues[0], visibility_timeout_s=20, consumer=Consumer("api-health"))
    broken = dataclasses.replace(TOPOLOGY, queues=(queue, *TOPOLOGY.queues[1:]))
    with pytest.raises(ValueError, match="under 6x"):
        broken.validate()


def test_given_two_capabilities_declaring_the_same_route_then_composing_them_fails() -> None:
    from stacks.topology import Capability, compose

    route = Route("GET", "/same", "public", FunctionTarget("api-health"))
    with pytest.raises(ValueError, match="routes declared twice"):
        compose(Capability("a", routes=(route,)), Capability("b", routes=(route,)))


# -- adding a capability, a function or a route touches no hand-kept list


def test_given_the_capability_modules_then_each_is_discovered_once_in_name_order() -> None:
    import pkgutil

    from stacks import capabilities
    from stacks.topology import CAPABILITIES

    modules = sorted(m.name for m in pkgutil.iter_modules(capabilities.__path__))
    assert [c.name for c in CAPABILITIES] == modules
    assert {f.name for c in CAPABILITIES for f in c.functions} == {f.name for f in TOPOLOGY.functions}


def test_given_a_package_of_capability_modules_then_discovery_finds_them_and_refuses_ambiguity(
    tmp_path, monkeypatch
) -> None:
    from stacks.topology import discover

    package = tmp_path / "caps_under_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    header = "from stacks.model import Capability\n"
    (package / "zeta.py").write_text(header + "Z = Capability('zeta')\n")
    (package / "alpha.py").write_text(header + "A = Capability('alpha')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [c.name for c in discover("caps_under_test")] == ["alpha", "zeta"]

    (package / "twice.py").write_text(header + "A = Capability('a')\nB = Capability('b')\n")
    with pytest.raises(ValueError, match=r"caps_under_test\.twice declares 2 capabilities, not one"):
        discover("caps_under_test")


def test_given_every_routed_function_then_its_module_is_read_by_the_openapi_function() -> None:
    import json

    from stacks.topology import api_modules

    by_name = {f.name: f for f in TOPOLOGY.functions}
    routed = {
        by_name[r.target.function].module for r in TOPOLOGY.routes if isinstance(r.target, FunctionTarget)
    }
    assert set(api_modules(TOPOLOGY)) == routed
    openapi = by_name["api-openapi"]
    assert json.loads(str(openapi.environment["API_MODULES"])) == list(api_modules(TOPOLOGY))


def _wiring_modules_imported(module: str) -> set[str]:
    import ast
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lambdas.wiring":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lambdas.wiring."):
            found.add(node.module.split(".")[2])
    return found


def test_given_a_capability_with_functions_then_its_wiring_is_its_own_module_or_the_core() -> None:
    # a capability's handlers are wired by lambdas/wiring/<capability>.py; one without that
    # module (payments) must need nothing beyond the core
    from pathlib import Path

    from stacks.topology import CAPABILITIES

    wiring_dir = Path(__file__).resolve().parents[2] / "lambdas" / "wiring"
    for capability in CAPABILITIES:
        has_module = (wiring_dir / f"{capability.name}.py").exists()
        for function in capability.functions:
            used = _wiring_modules_imported(function.module) - {"core", "settings", "wiring"}
            if not has_module:
                assert not used, (
                    f"{function.name} uses {sorted(used)}: add lambdas/wiring/{capability.name}.py"
                )
            for name in used:
                assert (wiring_dir / f"{name}.py").exists(), f"{function.name}: no lambdas/wiring/{name}.py"
