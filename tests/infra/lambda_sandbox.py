"""A deployed function's Python, emulated: what a cold start can import, and how long it takes.

A clean interpreter of the runtime's Python version (``-I -S -B``: no site-packages, no
environment-driven paths, no bytecode written, as on Lambda's read-only filesystem) whose path
is, in Lambda's order, the code asset (copied with the stack's own exclusions), the layers
(``/opt/python``: the dependencies bundle, which is extracted over the Powertools layer) and the
runtime's SDK; its environment is the function's, from the synthesized template, plus what the
Lambda runtime sets. Nothing of this machine's virtualenv is reachable.

The Powertools layer and the runtime's SDK are stand-ins (``stacks.bundle.emulated_runtime``):
the project's pinned requirements that the public layer satisfies, and the pinned boto3.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from stacks import bundle
from stacks.constructs.functions import CODE_EXCLUDES

ROOT = Path(__file__).resolve().parents[2]
#: Lambda's limit on a function's code and layers, unzipped (250 MB)
UNZIPPED_LIMIT_BYTES = 262_144_000
#: what the public Powertools layer holds beyond its stand-in ([all]'s data masking and
#: validation extras: aws-encryption-sdk, jsonpath-ng, fastjsonschema, attrs), kept free for it
POWERTOOLS_EXTRAS_RESERVE_BYTES = 15_000_000
#: cold imports slower than this are reported (the target for every handler)
COLD_IMPORT_TARGET_MS = 300


def lambda_runtime_environment(function_name: str, handler: str, target: bundle.Target) -> dict[str, str]:
    """What the Lambda runtime itself sets in every function's environment (no credentials here)."""
    return {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{target.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": handler,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    }


@dataclass(frozen=True)
class DeployedFunction:
    name: str
    handler: str
    environment: dict[str, str]


def _as_text(value: Any) -> str:
    """A template value as the function would see it: intrinsics become a stand-in string."""
    return value if isinstance(value, str) else f"resolved-at-deploy:{json.dumps(value, sort_keys=True)}"


def deployed_functions(templates: list[dict[str, Any]], target: bundle.Target) -> list[DeployedFunction]:
    """Every project function in the templates, with its handler and environment."""
    found = []
    for template in templates:
        for logical_id, resource in template.get("Resources", {}).items():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            properties = resource["Properties"]
            handler = properties.get("Handler", "")
            if not handler.startswith("lambdas."):
                continue  # CDK's own custom-resource functions
            name = _as_text(properties.get("FunctionName", logical_id))
            variables = properties.get("Environment", {}).get("Variables", {})
            environment = {
                **lambda_runtime_environment(name, handler, target),
                **{key: _as_text(value) for key, value in variables.items()},
            }
            found.append(DeployedFunction(name=name, handler=handler, environment=environment))
    return sorted(found, key=lambda f: f.name)


def code_asset(destination: Path) -> Path:
    """The code asset as CDK stages it (the same exclusions, through CDK's own copy)."""
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    options = cdk.CopyOptions(exclude=list(CODE_EXCLUDES), ignore_mode=cdk.IgnoreMode.GIT)
    cdk.FileSystem.copy_directory(str(ROOT), str(destination), options)
    return destination


def interpreter(target: bundle.Target) -> str:
    python = bundle.target_interpreter(target)
    if python is None:
        raise RuntimeError(
            f"no python{target.python_version} on this machine: the deployed functions' imports are "
            f"checked with the runtime's own Python version (install it, e.g. with pyenv)"
        )
    return python


@dataclass(frozen=True)
class Sandbox:
    python: str
    path: tuple[Path, ...]

    @classmethod
    def for_target(cls, target: bundle.Target, code: Path) -> Sandbox:
        layer = bundle.check(target) / "python"
        powertools, runtime = bundle.emulated_runtime(target)
        return cls(python=interpreter(target), path=(code, layer, powertools, runtime))

    def _run(self, script: str, request: dict[str, Any], env: dict[str, str], *flags: str) -> Any:
        command = [self.python, "-I", "-S", "-B", *flags, "-c", script]
        result = subprocess.run(
            command,
            input=json.dumps({**request, "path": [str(p) for p in self.path]}),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        marker = "\n@@result@@"
        if result.returncode != 0 or marker not in result.stdout:
            raise AssertionError(
                f"the sandbox interpreter failed ({result.returncode}):\n{result.stderr[-4000:]}"
            )
        return json.loads(result.stdout.rsplit(marker, 1)[1]), result.stderr

    def import_all(self, functions: list[DeployedFunction]) -> dict[str, str | None]:
        """Import every function's handler in one interpreter, each under its own environment.

        Returns function name → None, or the error its import raised.
        """
        request = {"functions": [f.__dict__ for f in functions]}
        results, _ = self._run(_IMPORT_ALL, request, env={})
        return dict(results)

    def import_modules(self, code: Path, environment: dict[str, str]) -> dict[str, str | None]:
        """Import every module of the code asset (what handlers import lazily too): name → error."""
        modules = sorted(
            ".".join(path.relative_to(code).with_suffix("").parts).removesuffix(".__init__")
            for path in code.rglob("*.py")
        )
        request = {
            "functions": [
                {"name": m, "handler": m, "module_only": True, "environment": environment} for m in modules
            ]
        }
        results, _ = self._run(_IMPORT_ALL, request, env={})
        return dict(results)

    def cold_import(self, function: DeployedFunction) -> tuple[float, list[tuple[float, str]]]:
        """One handler's import in a fresh interpreter: (milliseconds, the slowest modules' own times).

        The time is taken as Lambda's init would see it, without ``-X importtime`` (which costs
        a tenth more); a second interpreter with it gives the modules' own times."""
        request = {"functions": [function.__dict__]}
        (result,), _ = self._run(_COLD_IMPORT, request, function.environment)
        if result["error"]:
            raise AssertionError(f"{function.name}: {result['error']}")
        _, stderr = self._run(_COLD_IMPORT, request, function.environment, "-X", "importtime")
        own = []
        for line in stderr.splitlines():
            if line.startswith("import time:") and "|" in line:
                self_us, _, module = line.removeprefix("import time:").split("|", 2)
                if self_us.strip().isdigit():
                    own.append((int(self_us) / 1000, module.strip()))
        return result["ms"], sorted(own, reverse=True)

    def size_bytes(self) -> int:
        return sum(bundle.directory_size(p) for p in self.path[:-1])  # the runtime's SDK is not counted


_PRELUDE = """
import importlib, json, os, sys, time, traceback
request = json.loads(sys.stdin.read())
sys.path[:0] = request["path"]

def load(function):
    module, _, attribute = function["handler"].rpartition(".")
    if function.get("module_only"):
        module = function["handler"]
    started = time.perf_counter()
    try:
        loaded = importlib.import_module(module)
        handler = loaded if function.get("module_only") else getattr(loaded, attribute)
        callable_or_module = callable(handler) or function.get("module_only")
        error = None if callable_or_module else f"{module}.{attribute} is not callable"
    except BaseException:
        error = traceback.format_exc(limit=-4)
    return (time.perf_counter() - started) * 1000, error
"""

_IMPORT_ALL = (
    _PRELUDE
    + """
results = []
for function in request["functions"]:
    os.environ.clear()
    os.environ.update(function["environment"])
    results.append((function["name"], load(function)[1]))
sys.stdout.write("\\n@@result@@" + json.dumps(results))
"""
)

_COLD_IMPORT = (
    _PRELUDE
    + """
ms, error = load(request["functions"][0])
sys.stdout.write("\\n@@result@@" + json.dumps([{"ms": ms, "error": error}]))
"""
)
