"""The layering rules of ARCHITECTURE.md, checked on every run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDKS_AND_DRIVERS = {
    "boto3", "botocore", "psycopg", "psycopg_pool", "pymongo", "bson", "pynamodb",
    "stripe", "twilio", "sendgrid", "aws_lambda_powertools", "yoyo", "moto", "jwt",
}  # fmt: skip
HANDLER_FORBIDDEN = {
    "boto3",
    "botocore",
    "psycopg",
    "psycopg_pool",
    "pymongo",
    "pynamodb",
    "stripe",
    "twilio",
    "sendgrid",
}
LAYER_ORDER = ("workflows", "adapters", "lambdas")  # a layer never imports one to its right


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", python_files("workflows"), ids=lambda p: str(p.relative_to(ROOT)))
def test_given_the_business_core_then_it_imports_no_sdk_driver_or_outer_layer(path: Path) -> None:
    bad = imported_roots(path) & (SDKS_AND_DRIVERS | {"adapters", "lambdas", "local", "stacks"})
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: workflows/ must stay pure (use a port)"


WIRING = ROOT / "lambdas" / "wiring"
HANDLERS = [p for p in python_files("lambdas") if WIRING not in p.parents]


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_given_a_handler_then_it_gets_clients_from_the_wiring_not_by_importing_sdks(path: Path) -> None:
    bad = imported_roots(path) & HANDLER_FORBIDDEN
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: build clients in lambdas/wiring/"


def reads_the_environment(path: Path) -> bool:
    """Whether the module reads the environment itself (os.environ, os.getenv, a settings model)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and {"environ", "getenv"} & {alias.name for alias in node.names}
        ):
            return True
    return "pydantic_settings" in imported_roots(path)


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_given_a_handler_then_only_the_wiring_settings_read_the_environment(path: Path) -> None:
    assert not reads_the_environment(path), (
        f"{path.relative_to(ROOT)} reads the environment: declare a settings model in lambdas/wiring/"
    )


def test_given_the_environment_checker_when_fed_a_reader_then_it_sees_it(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nREGION = os.environ['AWS_REGION']\n", encoding="utf-8")
    assert reads_the_environment(sample)
    sample.write_text("from pydantic_settings import BaseSettings\n", encoding="utf-8")
    assert reads_the_environment(sample)
    sample.write_text("from lambdas.wiring import core\n", encoding="utf-8")
    assert not reads_the_environment(sample)


@pytest.mark.parametrize("path", python_files("adapters"), ids=lambda p: str(p.relative_to(ROOT)))
def test_given_an_adapter_then_it_never_imports_handlers_or_the_local_runtime(path: Path) -> None:
    bad = imported_roots(path) & {"lambdas", "local"}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: adapters sit below the handlers"


@pytest.mark.parametrize("path", python_files("stacks"), ids=lambda p: str(p.relative_to(ROOT)))
def test_given_infrastructure_code_then_it_never_imports_runtime_code(path: Path) -> None:
    bad = imported_roots(path) & {"lambdas", "adapters", "local", "workflows"}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: stacks/ describes resources only"


def test_given_the_checker_when_fed_a_forbidden_import_then_it_sees_it(tmp_path: Path) -> None:
    # the rule above must be able to fail
    sample = tmp_path / "sample.py"
    sample.write_text("import boto3\nfrom psycopg import sql\nfrom . import sibling\n", encoding="utf-8")
    assert imported_roots(sample) == {"boto3", "psycopg"}


#: keys of vendors' wire formats the business core never reads: Lambda's error document, Step
#: Functions' caught error and execution descriptions (StartSyncExecution, DescribeExecution)
WIRE_KEYS = frozenset(
    {
        "errorMessage",
        "errorType",
        "stackTrace",
        "Error",
        "Cause",
        "executionArn",
        "stateMachineArn",
        "stopDate",
    }
)


def _key_read(node: ast.AST) -> str | None:
    """The string key a node reads: ``x["k"]`` or ``x.get("k", ...)``; else None."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return node.slice.value if isinstance(node.slice.value, str) else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def _read_from(node: ast.AST) -> ast.AST | None:
    """What a key read reads from (``x`` of ``x["k"]``/``x.get("k")``), to follow a chain."""
    if isinstance(node, ast.Subscript):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.value
    return None


def wire_format_reads(source: str) -> list[str]:
    """The vendor wire-format keys the source reads: any of :data:`WIRE_KEYS`, and a Stripe
    Event's object (``event["data"]["object"]``, also through ``.get`` or ``or {}``)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        key = _key_read(node)
        if key in WIRE_KEYS:
            found.append(key)
        elif key == "object":
            inner = _read_from(node)
            while isinstance(inner, ast.BoolOp) and inner.values:  # (event.get("data") or {})
                inner = inner.values[0]
            if inner is not None and _key_read(inner) == "data":
                found.append('["data"]["object"]')
    return found


@pytest.mark.parametrize("path", python_files("workflows"), ids=lambda p: str(p.relative_to(ROOT)))
def test_given_the_business_core_then_it_reads_no_vendor_wire_format(path: Path) -> None:
    found = wire_format_reads(path.read_text(encoding="utf-8"))
    assert not found, (
        f"{path.relative_to(ROOT)} reads {sorted(set(found))} of a vendor's wire format: parse it in "
        "adapters/ into a domain type (adapters.aws.stepfunctions.caught_error, adapters.stripe.events)"
    )


def test_given_the_wire_format_checker_when_fed_vendor_reads_then_it_sees_them() -> None:
    sample = (
        'name = error["Error"]\n'
        'message = json.loads(cause).get("errorMessage")\n'
        'arn = response["executionArn"]\n'
        'obj = event["data"]["object"]\n'
        'again = (event.get("data") or {}).get("object")\n'
        'fine = order["status"], doc.get("object_id"), payload["data"]\n'
    )
    assert wire_format_reads(sample) == [
        "Error",
        "errorMessage",
        "executionArn",
        '["data"]["object"]',
        '["data"]["object"]',
    ]


#: what the functions do without, for their cold start (each import was a tenth of one): the
#: settings are read by ``lambdas.wiring.settings``, step inputs validated by pydantic itself, the
#: EventBridge envelope declared in ``lambdas.consumers.envelopes``
COLD_START_AVOIDED = ("pydantic_settings", "aws_lambda_powertools.utilities.parser")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", python_files("lambdas"), ids=lambda p: str(p.relative_to(ROOT)))
def test_given_a_function_module_then_it_imports_nothing_its_cold_start_does_without(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.startswith(COLD_START_AVOIDED)}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: see COLD_START_AVOIDED"


def test_given_the_cold_start_checker_when_fed_an_avoided_import_then_it_sees_it(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from aws_lambda_powertools.utilities.parser import parse\n", encoding="utf-8")
    assert any(m.startswith(COLD_START_AVOIDED) for m in imported_modules(sample))
