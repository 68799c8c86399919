"""The functions' third-party dependencies, built for the stage's Lambda runtime: ``make bundle``.

A deployed function imports from, in this order: the code asset (``/var/task``: the project's
packages), the layers (``/opt/python``: the public Powertools layer, then this bundle) and the
runtime's own packages (the AWS SDK). The bundle is what only this project brings: every runtime
dependency (``[project].dependencies`` in pyproject.toml, with what they depend on) less what
``[tool.resale.bundle]`` says the Powertools layer and the runtime already provide. It is built
with pip's target-platform options (wheels only, for the runtime's Python and the stage's
architecture) from the pinned ``constraints.txt``, into ``build/lambda-layer/python``.

A manifest beside it records a digest of what it was built from (the constraints, the dependency
list, the runtime and the architecture). ``make bundle`` rebuilds only when that digest changed;
the CDK app (``check``) refuses to synthesize without a bundle that matches the stage.

    python -m stacks.bundle [--stage dev] [--force]   # build, when stale
    python -m stacks.bundle --check [--stage dev]     # exit 1, saying why, when missing or stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
CONSTRAINTS = ROOT / "constraints.txt"
BUILD = ROOT / "build"
#: the layer asset the stack attaches (its ``python/`` folder is ``/opt/python`` on Lambda)
LAYER_DIR = BUILD / "lambda-layer"
#: what the layer was built from; beside the asset, so that it is not deployed
MANIFEST = BUILD / "lambda-layer.manifest.json"
#: stand-ins for the runtime's SDK and the Powertools layer, for the tests and the bench
EMULATION_DIR = BUILD / "lambda-emulation"
#: bump when the way the bundle is built changes, so that every existing bundle is stale
BUILDER_VERSION = 1

#: glibc of the Lambda runtime's OS (Amazon Linux 2023 for python3.12 and python3.13): wheels for
#: any manylinux up to it run there
_RUNTIME_GLIBC = {"python3.12": (2, 34), "python3.13": (2, 34)}
_MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class BundleError(RuntimeError):
    """The bundle is missing, stale, or could not be built; the message says what to run."""


@dataclass(frozen=True)
class Target:
    """A Lambda runtime and architecture, as the stage's ``lambda_runtime``/``lambda_architecture``."""

    runtime: str = "python3.12"
    architecture: str = "x86_64"

    def __post_init__(self) -> None:
        if self.runtime not in _RUNTIME_GLIBC:
            raise BundleError(
                f"no bundle for Lambda runtime {self.runtime!r}: one of {sorted(_RUNTIME_GLIBC)}"
            )
        if self.architecture not in _MACHINES:
            raise BundleError(
                f"no bundle for Lambda architecture {self.architecture!r}: one of {sorted(_MACHINES)}"
            )

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def platforms(self) -> list[str]:
        """pip ``--platform`` tags, newest first: every manylinux the runtime's glibc runs."""
        machine = _MACHINES[self.architecture]
        major, minor = _RUNTIME_GLIBC[self.runtime]
        newer = [f"manylinux_{major}_{m}_{machine}" for m in range(minor, 17, -1)]
        return [*newer, f"manylinux2014_{machine}"]

    def __str__(self) -> str:
        return f"{self.runtime}/{self.architecture}"


def stage_target(context: Mapping[str, Any]) -> Target:
    """The runtime and architecture a stage's functions run on, from CDK context as the app sees it."""
    from stacks.config import STAGE_PRESETS, StageConfig

    stage = str(context.get("stage") or "dev")
    values: dict[str, Any] = {
        name: StageConfig.model_fields[name].default for name in ("lambda_runtime", "lambda_architecture")
    }
    values.update({k: v for k, v in STAGE_PRESETS.get(stage, {}).items() if k in values})
    per_stage = (context.get("stage_settings") or {}).get(stage, {})
    values.update({k: v for k, v in per_stage.items() if k in values})
    values.update({k: context[k] for k in values if context.get(k) is not None})
    return Target(runtime=str(values["lambda_runtime"]), architecture=str(values["lambda_architecture"]))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement)
    if match is None:
        raise BundleError(f"cannot read a package name in requirement {requirement!r}")
    return _canonical(match.group(1))


@dataclass(frozen=True)
class Dependencies:
    """The runtime dependencies, split by who puts them on a deployed function's path."""

    bundled: tuple[str, ...]
    #: requirements the public Powertools layer satisfies
    powertools_layer: tuple[str, ...]
    #: requirements the Lambda runtime satisfies (the AWS SDK)
    runtime: tuple[str, ...]
    #: distributions the Powertools layer ships; left out of the bundle even when a bundled
    #: package depends on them
    powertools_provides: frozenset[str]
    #: distributions the runtime ships; left out of the bundle and of the Powertools layer
    runtime_provides: frozenset[str]


def dependencies(pyproject: Path = PYPROJECT) -> Dependencies:
    """``[project].dependencies`` split by ``[tool.resale.bundle]``: the one list of what runs."""
    data = tomllib.loads(pyproject.read_text())
    declared: list[str] = data["project"]["dependencies"]
    settings: dict[str, list[str]] = data["tool"]["resale"]["bundle"]
    powertools = frozenset(_canonical(name) for name in settings["powertools-layer"])
    runtime = frozenset(_canonical(name) for name in settings["runtime"])
    return Dependencies(
        bundled=tuple(r for r in declared if requirement_name(r) not in powertools | runtime),
        powertools_layer=tuple(r for r in declared if requirement_name(r) in powertools),
        runtime=tuple(r for r in declared if requirement_name(r) in runtime),
        powertools_provides=powertools,
        runtime_provides=runtime,
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_manifest(target: Target, deps: Dependencies | None = None) -> dict[str, Any]:
    """What a bundle for ``target`` built from the current inputs records."""
    deps = deps or dependencies()
    inputs = {
        "builder_version": BUILDER_VERSION,
        "runtime": target.runtime,
        "architecture": target.architecture,
        "constraints_sha256": _sha256(CONSTRAINTS),
        "requirements": list(deps.bundled),
        "left_out": sorted(deps.powertools_provides | deps.runtime_provides),
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return {**inputs, "inputs_sha256": digest}


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return manifest


def staleness(target: Target) -> str | None:
    """Why the bundle in ``LAYER_DIR`` does not fit ``target`` and the inputs, or None when it does."""
    built = _read_manifest(MANIFEST)
    if built is None or not (LAYER_DIR / "python").is_dir():
        return f"there is no dependencies bundle ({LAYER_DIR} or its manifest {MANIFEST.name} is missing)"
    expected = expected_manifest(target)
    if built.get("inputs_sha256") == expected["inputs_sha256"]:
        return None
    changed = [
        key
        for key in (
            "runtime",
            "architecture",
            "constraints_sha256",
            "requirements",
            "left_out",
            "builder_version",
        )
        if built.get(key) != expected[key]
    ]
    described = {
        "runtime": f"built for {built.get('runtime')}, the stage runs {target.runtime}",
        "architecture": f"built for {built.get('architecture')}, the stage runs {target.architecture}",
        "constraints_sha256": "constraints.txt changed since it was built",
        "requirements": "the runtime dependencies in pyproject.toml changed since it was built",
        "left_out": "what the Powertools layer and the runtime provide changed in pyproject.toml",
        "builder_version": "the bundle's build steps changed since it was built",
    }
    return "the dependencies bundle is stale: " + "; ".join(
        described[key] for key in changed or ["requirements"]
    )


def check(target: Target, *, stage: str = "dev") -> Path:
    """The layer asset for ``target``, or a BundleError saying how to build it."""
    reason = staleness(target)
    if reason is not None:
        raise BundleError(
            f"{reason}. Functions deployed without it cannot import their dependencies. "
            f"Run `make bundle STAGE={stage}` (or `make synth`, which runs it) and synthesize again."
        )
    return LAYER_DIR


def manifest_digest() -> str:
    """The built bundle's identity: its manifest names every input and every distribution in it."""
    return _sha256(MANIFEST)


def pip_install(
    directory: Path, requirements: Sequence[str], target: Target, python: str | None = None
) -> None:
    """Install ``requirements`` (pinned by the constraints) for ``target`` into ``directory``."""
    if not requirements:
        directory.mkdir(parents=True, exist_ok=True)
        return
    platforms = [arg for platform in target.platforms for arg in ("--platform", platform)]
    command = [
        python or sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        "--only-binary=:all:",
        *platforms,
        "--python-version",
        target.python_version,
        "--implementation",
        "cp",
        "--target",
        str(directory),
        "--no-compile",
        "-c",
        str(CONSTRAINTS),
        *requirements,
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise BundleError(
            f"pip could not install the dependencies for {target}:\n{result.stderr.strip() or result.stdout}"
        )


def installed(directory: Path) -> dict[str, Path]:
    """Canonical distribution name → its ``.dist-info`` folder, for what pip put in ``directory``."""
    found: dict[str, Path] = {}
    for info in directory.glob("*.dist-info"):
        name = info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        found[_canonical(name)] = info
    return found


def remove_distributions(directory: Path, names: Iterable[str]) -> list[str]:
    """Delete the named distributions' files (from their RECORD) from a ``--target`` folder."""
    removed = []
    dists = installed(directory)
    for name in sorted({_canonical(n) for n in names} & dists.keys()):
        info = dists[name]
        record = info / "RECORD"
        for line in record.read_text().splitlines() if record.exists() else []:
            relative = line.rsplit(",", 2)[0]
            path = (directory / relative).resolve()
            if path.is_relative_to(directory.resolve()) and path.is_file():
                path.unlink()
        shutil.rmtree(info, ignore_errors=True)
        removed.append(name)
    for folder in sorted((p for p in directory.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed


def target_interpreter(target: Target) -> str | None:
    """An interpreter of the runtime's Python version on this machine (to compile bytecode, to test)."""
    name = f"python{target.python_version}"
    candidates = [shutil.which(name)]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += [
        str(p / "bin" / name) for p in sorted(pyenv_root.glob(f"versions/{target.python_version}.*"))
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            probe = subprocess.run(
                [candidate, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                check=False,
                capture_output=True,
                text=True,
            )
            if probe.returncode == 0 and probe.stdout.strip() == target.python_version:
                return candidate
    return None


def _compile(directory: Path, target: Target) -> bool:
    """Bytecode for the runtime's Python, checked by hash (``/opt`` is read-only on Lambda)."""
    python = target_interpreter(target)
    if python is None:
        return False
    subprocess.run(
        [
            python,
            "-I",
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(directory),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return True


def directory_size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file() and not p.is_symlink())


def build(target: Target, *, force: bool = False) -> str:
    """Build the bundle for ``target`` unless the one there is up to date; says what it did."""
    if not force and staleness(target) is None:
        return f"the dependencies bundle for {target} is up to date ({LAYER_DIR.relative_to(ROOT)})"
    deps = dependencies()
    manifest = expected_manifest(target, deps)
    staging = BUILD / "lambda-layer.partial"
    shutil.rmtree(staging, ignore_errors=True)
    pip_install(staging / "python", deps.bundled, target)
    removed = remove_distributions(staging / "python", deps.powertools_provides | deps.runtime_provides)
    compiled = _compile(staging / "python", target)
    shutil.rmtree(LAYER_DIR, ignore_errors=True)
    MANIFEST.unlink(missing_ok=True)
    staging.rename(LAYER_DIR)
    packages = {name: info.name for name, info in sorted(installed(LAYER_DIR / "python").items())}
    size = directory_size(LAYER_DIR)
    record = {**manifest, "distributions": packages, "left_out_found": removed, "bytecode": compiled}
    record["unzipped_bytes"] = size
    MANIFEST.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    note = "" if compiled else f" (no python{target.python_version} here: shipped without bytecode)"
    return (
        f"built the dependencies bundle for {target}: {len(packages)} distributions, "
        f"{size / 1e6:.1f} MB unzipped, in {LAYER_DIR.relative_to(ROOT)}{note}"
    )


def emulated_runtime(target: Target) -> tuple[Path, Path]:
    """Stand-ins for what a function finds beside the bundle: (the Powertools layer, the runtime's SDK).

    The public Powertools v3 layer is ``aws-lambda-powertools[all]`` less the AWS SDK (see
    ``layer_v3`` in Powertools' repository); the stand-in holds the project's pinned
    requirements that the layer satisfies (a subset of it), less the SDK. The runtime's SDK is
    the pinned boto3 and what it depends on. Built once per input digest.
    """
    deps = dependencies()
    digest = expected_manifest(target, deps)["inputs_sha256"][:16]
    home = EMULATION_DIR / f"{target.runtime}-{target.architecture}-{digest}"
    powertools, runtime = home / "powertools-layer" / "python", home / "runtime"
    stamp = home / ".complete"
    if not stamp.exists():
        shutil.rmtree(home, ignore_errors=True)
        pip_install(powertools, deps.powertools_layer, target)
        remove_distributions(powertools, deps.runtime_provides)
        _compile(powertools, target)
        pip_install(runtime, deps.runtime, target)
        _compile(runtime, target)
        stamp.touch()
    return powertools, runtime


def _context(stage: str | None) -> dict[str, Any]:
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    if stage:
        context["stage"] = stage
    return context


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.bundle", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stage", default=os.environ.get("STAGE") or None, help="the stage (default: cdk.json's)"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument("--check", action="store_true", help="only say whether the bundle fits the stage")
    args = parser.parse_args(argv)
    context = _context(args.stage)
    try:
        target = stage_target(context)
        if args.check:
            check(target, stage=str(context.get("stage") or "dev"))
            sys.stdout.write(f"the dependencies bundle fits {target}\n")
        else:
            sys.stdout.write(build(target, force=args.force) + "\n")
    except BundleError as error:
        sys.stderr.write(f"make bundle: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
