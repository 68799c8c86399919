"""The error registry is one: each error class defined once, each code a literal of one class,
every class answered with a status, no raise site inventing a code, and the OpenAPI document
naming only codes of the registry, each under the status its class is answered with."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from http import HTTPStatus
from pathlib import Path

import pytest

import lambdas.api
import workflows
from lambdas.api.resolver import STATUS_BY_KIND, status_of
from tests.fixtures.proxy_events import proxy_event
from workflows.shared.errors import ResaleError

ROOT = Path(__file__).resolve().parents[2]
UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
#: a code as a route's description names it: an UPPER_SNAKE word of two letters or more
CODE_WORD = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\b")
#: errors that are meant to be a 500: a platform misconfiguration or a failure that is no one's input
SERVER_ERRORS = {
    "ResaleError",
    "FeeScheduleMissing",
    "InvalidFeeSchedule",
    "FeeCalculationFailed",
    "CheckoutFailed",
    "PaymentNotRecorded",
}


def _import_all(package: object) -> list[str]:
    names = []
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):  # type: ignore[attr-defined]
        importlib.import_module(info.name)
        names.append(info.name)
    return names


def _errors_modules() -> list[str]:
    """Every ``workflows/<capability>/errors.py``: the registry's home."""
    return [
        f"workflows.{info.name}.errors"
        for info in pkgutil.iter_modules(workflows.__path__)
        if info.ispkg and (ROOT / "workflows" / info.name / "errors.py").exists()
    ]


def _subclasses(cls: type[ResaleError]) -> list[type[ResaleError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found


@pytest.fixture(scope="module")
def registry() -> list[type[ResaleError]]:
    """Every error class of the project: those of the errors modules, and any defined elsewhere in
    workflows/ or the API (every module is imported, so none is missed)."""
    for name in _errors_modules():
        importlib.import_module(name)
    _import_all(workflows)
    _import_all(lambdas.api)
    project = ("workflows.", "lambdas.", "adapters.")
    return [cls for cls in _subclasses(ResaleError) if cls.__module__.startswith(project)]


def test_given_every_capability_then_its_errors_module_is_part_of_the_registry(
    registry: list[type[ResaleError]],
) -> None:
    modules = {cls.__module__ for cls in registry}
    assert {"workflows.shared.errors", "workflows.catalog.errors", "workflows.checkout.errors"} <= modules
    assert all(name in modules for name in _errors_modules()), set(_errors_modules()) - modules


def test_given_the_registry_then_every_class_lives_in_an_errors_module(
    registry: list[type[ResaleError]],
) -> None:
    """Where a code is defined is where a reader looks: a capability's ``errors.py``, the shared
    one, or (for what only the API's request reading refuses) the resolver."""
    elsewhere = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in registry
        if not cls.__module__.endswith(".errors") and cls.__module__ != "lambdas.api.resolver"
    ]
    assert not elsewhere, f"move these into their capability's errors.py: {elsewhere}"


def test_given_the_registry_then_no_class_name_is_defined_twice(registry: list[type[ResaleError]]) -> None:
    by_name: dict[str, list[str]] = {}
    for cls in registry:
        by_name.setdefault(cls.__name__, []).append(cls.__module__)
    twice = {name: modules for name, modules in by_name.items() if len(modules) > 1}
    assert not twice, f"error names are what state machines match: define each once: {twice}"


def test_given_the_registry_then_each_class_declares_its_own_code_and_no_code_is_shared(
    registry: list[type[ResaleError]],
) -> None:
    inherited = [cls.__name__ for cls in registry if "code" not in vars(cls)]
    assert not inherited, f"these classes answer with their base's code (give each its own): {inherited}"
    by_code: dict[str, list[str]] = {}
    for cls in registry:
        by_code.setdefault(cls.code, []).append(f"{cls.__module__}.{cls.__name__}")
    shared = {code: classes for code, classes in by_code.items() if len(classes) > 1}
    assert not shared, f"one code, one class (merge them or give each its code): {shared}"


def test_given_the_registry_then_every_code_is_upper_snake(registry: list[type[ResaleError]]) -> None:
    bad = {cls.__name__: cls.code for cls in registry if not UPPER_SNAKE.match(cls.code)}
    assert not bad, bad


def test_given_the_registry_then_every_class_has_a_status_and_only_server_errors_are_500s(
    registry: list[type[ResaleError]],
) -> None:
    kinds = {kind for kind, _ in STATUS_BY_KIND}
    assert all(kind in registry for kind in kinds)
    five_hundreds = {cls.__name__ for cls in registry if status_of(cls) == HTTPStatus.INTERNAL_SERVER_ERROR}
    assert five_hundreds == SERVER_ERRORS, (
        f"an error with no kind in STATUS_BY_KIND is answered 500: {five_hundreds - SERVER_ERRORS}"
    )


def test_given_the_kinds_then_each_status_is_the_one_the_api_documents() -> None:
    from workflows.accounts.errors import CodeLocked, InvalidRefreshToken
    from workflows.catalog.errors import ListingNotFound, QuantityNotAvailable
    from workflows.shared.errors import IdempotencyKeyReused, InvalidCursor, SellerOnly, TransientError

    assert status_of(ListingNotFound) == HTTPStatus.NOT_FOUND
    assert status_of(QuantityNotAvailable) == HTTPStatus.CONFLICT
    assert status_of(InvalidCursor) == HTTPStatus.BAD_REQUEST
    assert status_of(IdempotencyKeyReused) == HTTPStatus.UNPROCESSABLE_ENTITY
    assert status_of(SellerOnly) == HTTPStatus.FORBIDDEN
    assert status_of(InvalidRefreshToken) == HTTPStatus.UNAUTHORIZED
    assert status_of(CodeLocked) == HTTPStatus.TOO_MANY_REQUESTS
    assert status_of(TransientError) == HTTPStatus.SERVICE_UNAVAILABLE


def _code_overrides(path: Path, root: Path = ROOT) -> list[str]:
    """Calls that pass ``code=`` (``where name``): at a registry class, a code invented there."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(keyword.arg == "code" for keyword in node.keywords):
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", "")
            found.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    return found


def test_given_any_raise_site_then_it_passes_no_code(registry: list[type[ResaleError]]) -> None:
    names = {cls.__name__ for cls in registry}
    overrides = [
        site
        for layer in ("workflows", "lambdas", "adapters")
        for path in sorted((ROOT / layer).rglob("*.py"))
        for site in _code_overrides(path)
        if site.rsplit(" ", 1)[-1] in names
    ]
    assert not overrides, f"a new code is a new class in an errors module, not code= here: {overrides}"


def test_given_an_error_then_its_code_cannot_be_overridden() -> None:
    with pytest.raises(TypeError):
        ResaleError("no", code="SOMETHING_ELSE")  # type: ignore[call-arg]


def test_given_the_scan_then_it_finds_a_code_override(tmp_path: Path) -> None:
    """The AST scan above is no test that cannot fail: a ``code=`` is found where it is."""
    sample = tmp_path / "sample.py"
    sample.write_text('import errors\nraise errors.NotFound("x", code="MADE_UP")\n', encoding="utf-8")
    assert _code_overrides(sample, tmp_path) == ["sample.py:2 NotFound"]


def _documented() -> list[tuple[str, int, str]]:
    """(where, status, description) of every error response an API module's routes declare."""
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    from lambdas.api.openapi import BODY_ERRORS, COMMON_ERRORS

    common = {**COMMON_ERRORS, **BODY_ERRORS}
    found = [("every operation", int(status), text) for status, text in common.items()]
    for name in _import_all(lambdas.api):
        app = getattr(importlib.import_module(name), "app", None)
        if not isinstance(app, APIGatewayRestResolver):
            continue
        document = app.get_openapi_schema().model_dump(mode="json", by_alias=True, exclude_none=True)
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                for status, response in operation.get("responses", {}).items():
                    if int(status) >= 400 and "/Error" in str(response.get("content", {})):
                        found.append((f"{method.upper()} {path}", int(status), response["description"]))
    return found


def test_given_the_openapi_document_then_every_documented_code_is_the_registry_s_under_its_status(
    registry: list[type[ResaleError]],
) -> None:
    by_code = {cls.code: cls for cls in registry}
    documented = _documented()
    assert len(documented) > 40
    wrong = []
    for where, status, description in documented:
        codes = [word for word in CODE_WORD.findall(description) if "_" in word or word in by_code]
        assert codes, f"{where} {status} names no code: {description!r}"
        for code in codes:
            cls = by_code.get(code)
            if cls is None:
                wrong.append(f"{where} {status}: {code} is no error class's code")
            elif status_of(cls) != status:
                wrong.append(f"{where} {status}: {code} is answered {int(status_of(cls))}")
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("IdempotencyKeyReused", 422),
        ("InvalidRefreshToken", 401),
        ("ResendLimitReached", 429),
        ("QuantityNotAvailable", 409),
    ],
)
def test_given_any_error_of_the_registry_then_the_one_handler_answers_its_status_code_and_details(
    registry: list[type[ResaleError]], error: str, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from lambdas.api.resolver import cors_settings, make_resolver

    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", '["https://app.example.com"]')
    cors_settings.cache_clear()

    cls = next(cls for cls in registry if cls.__name__ == error)
    app = make_resolver()

    @app.get("/boom")  # type: ignore[untyped-decorator]
    def boom() -> None:
        raise cls("It went wrong.", details={"retry_after_seconds": 60})

    try:
        answer = app.resolve(proxy_event("/boom"), None)
    finally:
        cors_settings.cache_clear()
    assert answer["statusCode"] == status
    assert json.loads(answer["body"]) == {
        "error": {"code": cls.code, "message": "It went wrong.", "details": {"retry_after_seconds": 60}}
    }
