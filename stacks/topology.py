"""The single declaration of every deployable resource: :data:`TOPOLOGY`.

The CDK stacks (``stacks/``) and the local cloud (``local/``) are both built from it, so what
runs locally is what deploys. Each capability declares its own resources in
``stacks/capabilities/``; the vocabulary (plain dataclasses, no ``aws_cdk``) is
``stacks/model.py``, re-exported here.

Names are *logical* (``task-tokens``, ``stripe-events``). Each platform turns them into
physical names its own way; environment values are :class:`Ref` objects that each platform
resolves (a table's name, a queue's URL, a state machine's ARN, ...).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil

from stacks import capabilities as _capabilities
from stacks.capabilities.payments import STRIPE_EVENTS_THAT_RESUME
from stacks.model import (
    COMMON_ENVIRONMENT,
    ROOT,
    STATEMACHINES_DIR,
    Access,
    Attr,
    Auth,
    Bus,
    Capability,
    Consumer,
    Function,
    FunctionTarget,
    Grant,
    Index,
    Key,
    Kind,
    Queue,
    Ref,
    Route,
    Rule,
    RuleTarget,
    StateMachine,
    Subscription,
    Table,
    Topic,
    Topology,
    WebSocketApi,
    WebSocketRoute,
    compose,
)


def discover(package: str = _capabilities.__name__) -> tuple[Capability, ...]:
    """The capability of each module of ``package``, by module name: a module declares exactly
    one :class:`Capability` (a module-level constant), so adding a module is adding a capability."""
    found: list[Capability] = []
    path = importlib.import_module(package).__path__
    for module_info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{module_info.name}")
        declared = [value for value in vars(module).values() if isinstance(value, Capability)]
        if len(declared) != 1:
            raise ValueError(f"{module.__name__} declares {len(declared)} capabilities, not one")
        found.append(declared[0])
    return tuple(found)


CAPABILITIES: tuple[Capability, ...] = discover()


def api_modules(topology: Topology) -> tuple[str, ...]:
    """The handler modules of the functions that serve routes, in the topology's order (the
    OpenAPI document is generated from their resolvers)."""
    by_name = {f.name: f for f in topology.functions}
    served = (r.target.function for r in topology.routes if isinstance(r.target, FunctionTarget))
    return tuple(dict.fromkeys(by_name[name].module for name in served))


def _tell_openapi_its_routes(topology: Topology) -> Topology:
    """The OpenAPI function reads every route-serving module, and marks every route but the
    public ones as needing a token."""
    public = json.dumps(sorted([r.method, r.path] for r in topology.routes if r.auth == "public"))
    modules = json.dumps(list(api_modules(topology)))
    extra = {"PUBLIC_ROUTES": public, "API_MODULES": modules}
    functions = tuple(
        dataclasses.replace(f, environment={**f.environment, **extra}) if f.name == "api-openapi" else f
        for f in topology.functions
    )
    return dataclasses.replace(topology, functions=functions)


TOPOLOGY = _tell_openapi_its_routes(compose(*CAPABILITIES))

__all__ = [
    "CAPABILITIES",
    "COMMON_ENVIRONMENT",
    "ROOT",
    "STATEMACHINES_DIR",
    "STRIPE_EVENTS_THAT_RESUME",
    "TOPOLOGY",
    "Access",
    "Attr",
    "Auth",
    "Bus",
    "Capability",
    "Consumer",
    "Function",
    "FunctionTarget",
    "Grant",
    "Index",
    "Key",
    "Kind",
    "Queue",
    "Ref",
    "Route",
    "Rule",
    "RuleTarget",
    "StateMachine",
    "Subscription",
    "Table",
    "Topic",
    "Topology",
    "WebSocketApi",
    "WebSocketRoute",
    "api_modules",
    "compose",
    "discover",
]
