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


@pytest.mark.parametrize(
    "path",
    [p for p in python_files("lambdas") if p.name != "bootstrap.py"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_given_a_handler_then_it_gets_clients_from_bootstrap_not_by_importing_sdks(path: Path) -> None:
    bad = imported_roots(path) & HANDLER_FORBIDDEN
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: build clients in lambdas/bootstrap.py"


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
