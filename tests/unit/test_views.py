"""One set of view bases: every answer is a View, every request a Command in a commands module.

Given the workflows and the API's routes, then: every model the API answers derives from the one
``View`` (``workflows/shared/views.py``), every model it parses from a body from the one
``Command`` and lives in its capability's ``commands.py``; no module defines a second view base or
a second ``MoneyView``; a view's ``status`` is an enumeration, never free text; and every moment
a view carries is a ``Timestamp``, answered as RFC 3339 UTC with a ``Z``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import types
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest
from pydantic import BaseModel, ValidationError

import lambdas.api
import workflows
from workflows.shared.commands import Command
from workflows.shared.views import MoneyView, Timestamp, View

ROOT = Path(__file__).resolve().parents[2]
#: the layers whose code may define models (tests and the local cloud's stand-ins aside)
LAYERS = ("workflows", "adapters", "lambdas")


def _modules(package: types.ModuleType) -> list[types.ModuleType]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}.")
    ]


WORKFLOW_MODULES = _modules(workflows)
API_MODULES = [m for m in _modules(lambdas.api) if hasattr(m, "app")]


def _models_defined_in(module: types.ModuleType) -> list[type[BaseModel]]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module.__name__
    ]


def _all_views() -> list[type[View]]:
    found: list[type[View]] = []
    pending: list[type[View]] = [View]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation names: through Annotated, unions, lists and Response[...]."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _routes() -> list[tuple[str, Any]]:
    routes = []
    for module in API_MODULES:
        app = module.app
        for route in [*app._static_routes, *app._dynamic_routes]:  # the resolver's own lists
            routes.append((f"{route.method} {route.path} ({module.__name__})", route))
    assert len(routes) > 40, "the API's routes were not found"
    return routes


def _body_models(route: Any) -> list[type[BaseModel]]:
    hints = get_type_hints(route.func, include_extras=True)
    hints.pop("return", None)
    return [model for hint in hints.values() for model in _models_in(hint)]


def _answer_models(route: Any) -> list[type[BaseModel]]:
    hints = get_type_hints(route.func, include_extras=True)
    found = _models_in(hints.get("return"))
    for response in (route.responses or {}).values():
        for content in response.get("content", {}).values():
            if "model" in content:
                found.extend(_models_in(content["model"]))
    return found


def test_given_the_views_modules_then_every_model_in_them_derives_from_the_one_view() -> None:
    views_modules = [m for m in WORKFLOW_MODULES if m.__name__.endswith(".views")]
    assert len(views_modules) >= 8, [m.__name__ for m in views_modules]
    strays = [
        f"{m.__name__}.{cls.__qualname__}"
        for m in views_modules
        for cls in _models_defined_in(m)
        if not issubclass(cls, View)
    ]
    assert not strays, f"models in a views module that are not a View (a second view base?): {strays}"


def test_given_the_commands_modules_then_every_model_in_them_derives_from_the_one_command() -> None:
    commands_modules = [m for m in WORKFLOW_MODULES if m.__name__.endswith(".commands")]
    strays = [
        f"{m.__name__}.{cls.__qualname__}"
        for m in commands_modules
        for cls in _models_defined_in(m)
        if not issubclass(cls, Command)
    ]
    assert not strays, strays


def test_given_every_route_then_what_it_answers_is_a_view() -> None:
    strays = {
        f"{where}: {model.__module__}.{model.__qualname__}"
        for where, route in _routes()
        for model in _answer_models(route)
        if not issubclass(model, View)
    }
    assert not strays, f"answers that are not a View: {sorted(strays)}"


def test_given_every_route_then_what_it_parses_is_a_command_of_a_commands_module() -> None:
    parsed = [(where, model) for where, route in _routes() for model in _body_models(route)]
    assert len(parsed) > 15, "no request models found: the check would hold vacuously"
    strays = {
        f"{where}: {model.__module__}.{model.__qualname__}"
        for where, model in parsed
        if not (issubclass(model, Command) and model.__module__.endswith(".commands"))
    }
    assert not strays, f"request models outside workflows/<capability>/commands.py: {sorted(strays)}"


def _classes_named(names: set[str]) -> list[str]:
    found = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and node.name in names:
                    found.append(f"{path.relative_to(ROOT)}:{node.name}")
    return found


def test_given_the_code_then_view_and_money_view_are_defined_once_in_the_shared_vocabulary() -> None:
    assert _classes_named({"MoneyView"}) == ["workflows/shared/views.py:MoneyView"]
    assert _classes_named({"View", "_View", "BaseView"}) == ["workflows/shared/views.py:View"]
    assert _classes_named({"Command", "_Request", "Request"}) == ["workflows/shared/commands.py:Command"]


def test_given_any_model_named_a_view_then_it_is_a_view() -> None:
    strays = [
        f"{m.__name__}.{cls.__qualname__}"
        for m in WORKFLOW_MODULES
        for cls in _models_defined_in(m)
        if cls.__name__.endswith("View") and not issubclass(cls, View)
    ]
    assert not strays, strays


def _is_free_text(hint: Any) -> bool:
    if hint is str:
        return True
    if get_origin(hint) is Annotated:
        return _is_free_text(get_args(hint)[0])
    if get_origin(hint) in (Union, types.UnionType):
        return any(_is_free_text(arg) for arg in get_args(hint))
    return False


def _is_timestamp(hint: Any) -> bool:
    """``Timestamp`` or ``Timestamp | None``, nothing else (a bare datetime keeps its offset)."""
    if hint == Timestamp:
        return True
    if get_origin(hint) in (Union, types.UnionType):
        args = [arg for arg in get_args(hint) if arg is not type(None)]
        return len(args) == 1 and args[0] == Timestamp
    return False


def _fields(view: type[View]) -> dict[str, Any]:
    hints = get_type_hints(view, include_extras=True)
    return {name: hints[name] for name in view.model_fields}


def test_given_every_view_then_a_status_is_an_enumeration_never_free_text() -> None:
    views = _all_views()
    assert len(views) > 60, "the views were not all imported"
    statuses = [
        (view, name, hint)
        for view in views
        for name, hint in _fields(view).items()
        if name == "status" or name.endswith("_status")
    ]
    assert len(statuses) >= 10
    free = [f"{view.__qualname__}.{name}: {hint}" for view, name, hint in statuses if _is_free_text(hint)]
    assert not free, free


def test_given_every_view_then_every_moment_is_a_timestamp() -> None:
    moments = [
        (view, name, hint)
        for view in _all_views()
        for name, hint in _fields(view).items()
        if (name.endswith("_at") or name in {"at", "start", "end", "hold_until"})
        # Best Offer's "accept offers at or above" threshold: a price, named as the listing takes it
        and name != "auto_accept_at"
    ]
    assert len(moments) >= 30
    wrong = [f"{view.__qualname__}.{name}: {hint}" for view, name, hint in moments if not _is_timestamp(hint)]
    assert not wrong, f"moments that are not a Timestamp: {wrong}"


class _Moment(View):
    at: Timestamp
    until: Timestamp | None = None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 5, 1, 12, 0, tzinfo=UTC), "2026-05-01T12:00:00Z"),
        (datetime(2026, 5, 1, 12, 0, 0, 250_000, tzinfo=UTC), "2026-05-01T12:00:00.250000Z"),
        (datetime(2026, 5, 1, 12, 0, 0, 7, tzinfo=UTC), "2026-05-01T12:00:00.000007Z"),
        (
            datetime(2026, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2, minutes=30))),
            "2026-05-01T12:00:00Z",
        ),
        (datetime(2026, 4, 30, 23, 0, tzinfo=timezone(timedelta(hours=-10))), "2026-05-01T09:00:00Z"),
    ],
)
def test_given_a_moment_in_any_zone_when_answered_then_it_is_rfc3339_utc_with_z(
    moment: datetime, expected: str
) -> None:
    view = _Moment(at=moment, until=moment)
    # the text the API has always answered (isoformat in UTC, "+00:00" written "Z"), byte for byte
    assert view.model_dump(mode="json") == {"at": expected, "until": expected}
    assert view.model_dump_json() == f'{{"at":"{expected}","until":"{expected}"}}'
    assert view.at == moment
    assert view.at.tzinfo == UTC
    # and read back (a kept quote, a step's output), it is the same moment
    assert _Moment.model_validate_json(view.model_dump_json()) == view


def test_given_a_naive_moment_then_the_view_refuses_it_rather_than_guessing_its_zone() -> None:
    with pytest.raises(ValidationError):
        _Moment(at=datetime(2026, 5, 1, 12, 0))  # naive: no zone


def test_given_a_view_built_with_an_undeclared_key_then_it_fails_where_it_is_built() -> None:
    with pytest.raises(ValidationError, match="extra"):
        MoneyView.model_validate({"amount": 100, "currency": "USD", "amount_minor": 100})
    money = MoneyView(amount=100, currency="USD")
    with pytest.raises(ValidationError):
        money.amount = 5  # type: ignore[misc]


def test_given_a_command_with_an_undeclared_key_then_it_is_refused() -> None:
    class _Ask(Command):
        quantity: int

    with pytest.raises(ValidationError, match="extra"):
        _Ask.model_validate({"quantity": 1, "price": 1})


def test_given_the_status_literals_then_the_views_use_them_not_copies() -> None:
    # the views name the model's own Literal, so a new status is added in one place
    from workflows.checkout.model import CheckoutStatus
    from workflows.checkout.views import CheckoutView
    from workflows.onboarding.model import OnboardingStatus
    from workflows.onboarding.views import SellerOnboardingView
    from workflows.orders.model import OrderStatus
    from workflows.orders.views import BuyerOrderView
    from workflows.payouts.model import PayoutStatus
    from workflows.payouts.views import PayoutView

    for view, literal in [
        (CheckoutView, CheckoutStatus),
        (SellerOnboardingView, OnboardingStatus),
        (BuyerOrderView, OrderStatus),
        (PayoutView, PayoutStatus),
    ]:
        assert get_origin(literal) is Literal
        assert _fields(view)["status"] == literal, view.__qualname__
