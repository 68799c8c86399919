"""Synthesize the CDK app once for a test module, and look things up in its templates.

Helpers never assert hashed logical ids: resources are found by type and by the properties
the topology gives them (names, tags, patterns), and references are followed from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template
from cfnlint.api import ManualArgs, lint_file

from app import ResaleStage, build_app, build_stage
from stacks.config import load_stage
from stacks.naming import LOGICAL_NAME_TAG
from stacks.topology import TOPOLOGY, Topology

ROOT = Path(__file__).resolve().parents[2]

#: cfn-lint checks left out, each for a reason that is CDK's, not ours:
#: W3005 - CDK adds an explicit DependsOn that a Ref/GetAtt already implies (harmless redundancy)
CFN_LINT_IGNORED = ("W3005",)
#: regions the templates are checked against (the stacks are region-agnostic)
CFN_LINT_REGIONS = ("us-east-1", "eu-west-1")
#: CDK's context key for synthesizing without copying assets into the cloud assembly (SAM's)
STAGING_DISABLED = "aws:cdk:disable-asset-staging"


def cdk_context() -> dict[str, Any]:
    """The app's context from cdk.json: the same feature flags as `cdk synth`."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


@dataclass
class Synthesized:
    stage: ResaleStage
    outdir: Path

    @cached_property
    def stateful(self) -> Template:
        return Template.from_stack(self.stage.stateful)

    @cached_property
    def stateless(self) -> Template:
        return Template.from_stack(self.stage.stateless)

    @cached_property
    def api(self) -> Template:
        """The REST API's nested stack (inside the stateless stack)."""
        return Template.from_stack(self.stage.stateless.api_stack)

    @cached_property
    def function_logs(self) -> Template:
        """The functions' log groups' nested stack (inside the stateless stack)."""
        return Template.from_stack(self.stage.stateless.function_logs_stack)

    @cached_property
    def monitoring(self) -> Template:
        return Template.from_stack(self.stage.monitoring)

    def templates(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))  # nested stacks' templates too

    def lint(self) -> list[str]:
        """cfn-lint findings on every synthesized template, as readable lines."""
        config = ManualArgs(regions=list(CFN_LINT_REGIONS), ignore_checks=list(CFN_LINT_IGNORED))
        return [
            f"{path.name}: {match}" for path in self.templates() for match in lint_file(path, config=config)
        ]


def synthesize(outdir: Path, topology: Topology = TOPOLOGY, **settings: Any) -> Synthesized:
    """Build and synthesize the app for a stage into ``outdir`` (a temporary cdk.out)."""
    # assets are not copied into each test's cdk.out (the dependencies bundle alone is ~100 MB):
    # the templates are the same, their asset metadata points at the source folders
    context = {**cdk_context(), STAGING_DISABLED: True, **settings}
    app = cdk.App(context=context, outdir=str(outdir))
    stage = build_stage(app, load_stage(context, environ={}), topology)
    app.synth()
    return Synthesized(stage=stage, outdir=outdir)


def synthesize_regions(outdir: Path, topology: Topology = TOPOLOGY, **settings: Any) -> list[Synthesized]:
    """Build and synthesize every region of a (multi-region) stage; the primary's first."""
    context = {**cdk_context(), STAGING_DISABLED: True, **settings}
    app = cdk.App(context=context, outdir=str(outdir))
    stages = build_app(app, load_stage(context, environ={}), topology)
    app.synth()
    return [Synthesized(stage=stage, outdir=outdir) for stage in stages]


def tagged(template: Template, resource_type: str, logical_name: str) -> dict[str, Any]:
    """The one resource of ``resource_type`` carrying the topology name ``logical_name``."""
    found = template.find_resources(
        resource_type,
        {"Properties": {"Tags": Match.array_with([{"Key": LOGICAL_NAME_TAG, "Value": logical_name}])}},
    )
    assert len(found) == 1, f"expected one {resource_type} named {logical_name!r}, found {len(found)}"
    return next(iter(found.values()))


def tagged_id(template: Template, resource_type: str, logical_name: str) -> str:
    """The (generated) logical id of a tagged resource, to follow references to it."""
    found = template.find_resources(
        resource_type,
        {"Properties": {"Tags": Match.array_with([{"Key": LOGICAL_NAME_TAG, "Value": logical_name}])}},
    )
    assert len(found) == 1, f"expected one {resource_type} named {logical_name!r}, found {len(found)}"
    return next(iter(found))


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.find_resources(resource_type)
    return found


def api_routes(template: Template) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) → the AWS::ApiGateway::Method, paths rebuilt from the Resource tree."""
    parts = {
        logical_id: (resource["Properties"]["ParentId"], resource["Properties"]["PathPart"])
        for logical_id, resource in resources(template, "AWS::ApiGateway::Resource").items()
    }

    def path_of(resource_id: Any) -> str:
        if isinstance(resource_id, dict) and "Fn::GetAtt" in resource_id:
            return ""  # the API's root resource
        parent, part = parts[resource_id["Ref"]]
        return f"{path_of(parent)}/{part}"

    return {
        (method["Properties"]["HttpMethod"], path_of(method["Properties"]["ResourceId"]) or "/"): method
        for method in resources(template, "AWS::ApiGateway::Method").values()
        if method["Properties"]["HttpMethod"] != "OPTIONS"
    }


def function_named(template: Template, name: str) -> dict[str, Any]:
    found = template.find_resources("AWS::Lambda::Function", {"Properties": {"FunctionName": name}})
    assert len(found) == 1, f"expected one function named {name!r}, found {len(found)}"
    return next(iter(found.values()))


def function_id(template: Template, name: str) -> str:
    found = template.find_resources("AWS::Lambda::Function", {"Properties": {"FunctionName": name}})
    assert len(found) == 1, f"expected one function named {name!r}, found {len(found)}"
    return next(iter(found))


def unresolved(value: Any) -> list[str]:
    """Strings that still look like an unresolved placeholder or a Python object's repr."""
    if isinstance(value, str):
        markers = ("${Token[", "Ref(", "<stacks.", "Kind.", "Attr.")
        return [value] if any(marker in value for marker in markers) else []
    if isinstance(value, dict):
        return [bad for item in value.values() for bad in unresolved(item)]
    if isinstance(value, list):
        return [bad for item in value for bad in unresolved(item)]
    return []
