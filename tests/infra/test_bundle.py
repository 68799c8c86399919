"""The deployable bundle: every function can import what it needs, from what is deployed alone.

``make test`` builds the bundle first (``make bundle``, a no-op when its manifest is fresh); the
Powertools layer's and the runtime's stand-ins are built here on first use (stacks/bundle.py).
"""

from __future__ import annotations

import json
import tomllib

import pytest

from stacks import bundle
from stacks.config import StageConfig
from stacks.topology import TOPOLOGY
from tests.infra.lambda_sandbox import (
    POWERTOOLS_EXTRAS_RESERVE_BYTES,
    UNZIPPED_LIMIT_BYTES,
    Sandbox,
    code_asset,
    deployed_functions,
)
from tests.infra.synth import ROOT, resources, synthesize

TARGET = bundle.Target(runtime="python3.12", architecture="x86_64")  # the dev stage's


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return synthesize(tmp_path_factory.mktemp("cdk.out"), stage="dev")


@pytest.fixture(scope="module")
def functions(synth):
    templates = [synth.stateless.to_json(), synth.api.to_json()]
    return deployed_functions(templates, TARGET)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    return Sandbox.for_target(TARGET, code_asset(tmp_path_factory.mktemp("code-asset")))


def test_given_the_dev_stage_then_every_topology_function_is_deployed_with_its_handler(functions) -> None:
    assert sorted(f.handler for f in functions) == sorted(f.handler for f in TOPOLOGY.functions)


def test_given_the_stack_then_every_function_carries_the_powertools_layer_and_the_dependencies_bundle(
    synth,
) -> None:
    layers = resources(synth.stateless, "AWS::Lambda::LayerVersion")
    assert len(layers) == 1, "one layer of the project's own dependencies"
    ((layer_id, layer),) = layers.items()
    assert layer["Properties"]["CompatibleRuntimes"] == [TARGET.runtime]
    assert layer["Properties"]["CompatibleArchitectures"] == [TARGET.architecture]
    for function in resources(synth.stateless, "AWS::Lambda::Function").values():
        if function["Properties"].get("Handler", "").startswith("lambdas."):
            assert {"Ref": layer_id} in function["Properties"]["Layers"]
            assert len(function["Properties"]["Layers"]) == 2  # the Powertools layer first


def test_given_every_handler_when_imported_from_the_code_asset_and_the_layers_alone_then_it_loads(
    sandbox, functions
) -> None:
    # Given a clean interpreter of the runtime's Python whose path is what a deployed function
    # has, each handler imported under its function's environment from the template
    errors = sandbox.import_all(functions)

    # Then none is missing a dependency (or anything else) at its cold start
    failed = {name: error for name, error in errors.items() if error}
    assert not failed, "\n\n".join(f"{name}:\n{error}" for name, error in failed.items())
    assert len(errors) == len(functions)


def test_given_every_module_of_the_code_asset_when_imported_with_the_layers_alone_then_it_loads(
    sandbox, functions
) -> None:
    # handlers import the SDKs lazily (inside the wiring's containers), so importing the handlers
    # alone would not notice a missing Stripe, Twilio, PostgreSQL or MongoDB driver: every module
    # that is deployed is imported too
    errors = sandbox.import_modules(sandbox.path[0], functions[0].environment)

    failed = {name: error for name, error in errors.items() if error}
    assert not failed, "\n\n".join(f"{name}:\n{error}" for name, error in failed.items())
    assert "adapters.providers" in errors


def test_given_the_bundle_then_a_function_with_its_layers_fits_in_lambdas_unzipped_limit(sandbox) -> None:
    # the code asset, the dependencies bundle and the Powertools layer (its stand-in, plus a
    # reserve for the extras the public layer has beyond it); the runtime's SDK is not counted
    total = sandbox.size_bytes() + POWERTOOLS_EXTRAS_RESERVE_BYTES
    bundled = bundle.directory_size(bundle.LAYER_DIR)
    assert total < UNZIPPED_LIMIT_BYTES, f"{total / 1e6:.1f} MB unzipped (the bundle: {bundled / 1e6:.1f} MB)"


def test_given_a_bundle_built_for_x86_64_when_an_arm64_stage_synthesizes_then_it_fails_saying_so(
    tmp_path,
) -> None:
    with pytest.raises(
        bundle.BundleError, match=r"built for x86_64, the stage runs arm64.*make bundle STAGE=dev"
    ):
        synthesize(tmp_path, stage="dev", lambda_architecture="arm64")


def test_given_changed_constraints_then_the_bundle_is_stale(tmp_path, monkeypatch) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(bundle.CONSTRAINTS.read_text() + "\nstripe==0.0.1\n")
    monkeypatch.setattr(bundle, "CONSTRAINTS", constraints)
    assert (
        bundle.staleness(TARGET)
        == "the dependencies bundle is stale: constraints.txt changed since it was built"
    )


def test_given_no_bundle_then_synth_fails_instead_of_leaving_the_layer_out(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bundle, "MANIFEST", tmp_path / "missing.json")
    with pytest.raises(bundle.BundleError, match=r"there is no dependencies bundle.*make bundle STAGE=dev"):
        synthesize(tmp_path / "cdk.out", stage="dev")


def test_given_the_runtime_dependencies_then_each_is_bundled_or_provided_by_the_layer_or_runtime() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    deps = bundle.dependencies()
    assert sorted(deps.bundled + deps.powertools_layer + deps.runtime) == sorted(declared)
    for name in ("psycopg", "pymongo", "pynamodb", "stripe", "twilio", "sendgrid", "yoyo-migrations"):
        assert name in {bundle.requirement_name(r) for r in deps.bundled}
    built = json.loads(bundle.MANIFEST.read_text())["distributions"]
    assert not set(built) & (deps.powertools_provides | deps.runtime_provides), "provided twice"


def test_given_the_pinned_powertools_then_the_stage_attaches_the_public_layer_of_that_release() -> None:
    # the stand-in layer is the pinned release: the stage must deploy the same one
    pinned = next(r for r in bundle.dependencies().powertools_layer if r.startswith("aws-lambda-powertools"))
    assert pinned.endswith("==" + StageConfig.model_fields["powertools_version"].default)
