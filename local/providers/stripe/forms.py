"""Stripe's form encoding: ``a[b][c]=x``, ``list[0][k]=v``, ``expand[]=x``; typed parameter access."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from local.providers.stripe.errors import bad_param, missing

if TYPE_CHECKING:
    from collections.abc import Iterable

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")

#: a list under construction: ``[]`` and ``[0]`` segments both write into one of these
_LIST_MARK = "__list__"

#: Stripe's per-currency minimum charge amounts, in minor units (the rest default to 50)
MINIMUM_CHARGE = {"gbp": 30, "jpy": 50, "hkd": 400, "mxn": 1000, "sek": 300, "nok": 300, "dkk": 250}
CURRENCIES = frozenset(
    {"usd", "eur", "gbp", "cad", "aud", "chf", "sek", "nok", "dkk", "pln", "nzd", "sgd", "hkd", "mxn", "jpy"}
)


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn flat form pairs into nested dicts and lists, as Stripe's servers read them."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if match is None:
            raise bad_param(f"Invalid parameter name: {raw_key}", param=raw_key)
        path = [match.group(1), *_SEGMENT.findall(match.group(2))]
        _assign(root, path, value, raw_key)
    result = _finish(root)
    if not isinstance(result, dict):
        raise bad_param("Parameter names must not be bare list indices.", param="0")
    return result


def _assign(container: dict[str, Any], path: list[str], value: str, raw_key: str) -> None:
    head, rest = path[0], path[1:]
    if head == "":
        # an append: a new element unless the last one can still take this sub-key
        head = str(len(container) - (1 if _LIST_MARK in container else 0))
        container[_LIST_MARK] = True
        last = str(int(head) - 1)
        if (
            rest
            and last in container
            and isinstance(container[last], dict)
            and rest[0] not in container[last]
        ):
            head = last
    elif head.isdigit():
        container[_LIST_MARK] = True
    if not rest:
        if isinstance(container.get(head), dict):
            raise bad_param(f"Invalid value for {raw_key}: expected a hash.", param=raw_key)
        container[head] = value
        return
    child = container.get(head)
    if child is None:
        child = {}
        container[head] = child
    elif not isinstance(child, dict):
        if child == "":
            child = {}
            container[head] = child
        else:
            raise bad_param(f"Invalid hash for {raw_key}", param=raw_key)
    _assign(child, rest, value, raw_key)


def _finish(node: dict[str, Any]) -> Any:
    is_list = node.pop(_LIST_MARK, False)
    items = {key: _finish(value) if isinstance(value, dict) else value for key, value in node.items()}
    if is_list and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


class Params:
    """The decoded parameters of one request, with Stripe's validation messages."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str) -> Any:
        return self.data.get(name)

    def check_known(self, allowed: Iterable[str]) -> None:
        known = set(allowed)
        for name in self.data:
            if name not in known:
                raise bad_param(f"Received unknown parameter: {name}", param=name, code="parameter_unknown")

    def text(self, name: str, *, required: bool = False, choices: Iterable[str] | None = None) -> str | None:
        value = _lookup(self.data, name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return None
        if not isinstance(value, str):
            raise bad_param(f"Invalid string: {value!r}", param=name)
        if choices is not None and value not in set(choices):
            options = ", ".join(f"`{choice}`" for choice in choices)
            raise bad_param(f"Invalid {name}: must be one of {options}", param=name)
        return value

    def req_text(self, name: str, *, choices: Iterable[str] | None = None) -> str:
        value = self.text(name, required=True, choices=choices)
        assert value is not None
        return value

    def integer(self, name: str, *, required: bool = False, minimum: int | None = 0) -> int | None:
        value = _lookup(self.data, name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return None
        if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
            raise bad_param(f"Invalid integer: {value}", param=name, code="parameter_invalid_integer")
        number = int(value)
        if minimum is not None and number < minimum:
            raise bad_param(
                f"This value must be greater than or equal to {minimum}.",
                param=name,
                code="parameter_invalid_integer",
            )
        return number

    def req_integer(self, name: str, *, minimum: int | None = 0) -> int:
        value = self.integer(name, required=True, minimum=minimum)
        assert value is not None
        return value

    def flag(self, name: str, *, default: bool = False) -> bool:
        value = _lookup(self.data, name)
        if value is None or value == "":
            return default
        if value in ("true", "false"):
            return bool(value == "true")
        raise bad_param(f"Invalid boolean: {value}", param=name)

    def currency(self, name: str = "currency", *, required: bool = True) -> str | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        value = value.lower()
        if value not in CURRENCIES:
            raise bad_param(f"Invalid currency: {value}.", param=name, code="invalid_currency")
        return value

    def amount(self, name: str = "amount", *, currency: str | None, required: bool = True) -> int | None:
        """A charge amount: an integer in minor units, at least Stripe's minimum for the currency."""
        value = self.integer(name, required=required, minimum=1)
        if value is not None and currency is not None and value < MINIMUM_CHARGE.get(currency, 50):
            least = MINIMUM_CHARGE.get(currency, 50)
            raise bad_param(
                f"Amount must be at least {least} minor units of {currency}",
                param=name,
                code="amount_too_small",
            )
        return value

    def hash(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        if value is None or value == "":
            return {}
        if not isinstance(value, dict):
            raise bad_param(f"Invalid object: {name} must be a hash.", param=name)
        return value

    def array(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            raise bad_param(f"Invalid array: {name} must be an array.", param=name)
        return value

    def texts(self, name: str) -> list[str]:
        values = self.array(name)
        for value in values:
            if not isinstance(value, str):
                raise bad_param(f"Invalid array: {name} must hold strings.", param=name)
        return [str(value) for value in values]


def _lookup(data: dict[str, Any], name: str) -> Any:
    """``"transfer_data[destination]"`` style names reach into nested hashes."""
    match = _KEY.match(name)
    parts = [match.group(1), *_SEGMENT.findall(match.group(2))] if match else [name]
    node: Any = data
    for part in parts:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def apply_metadata(current: dict[str, str], update: Any, *, param: str = "metadata") -> dict[str, str]:
    """Stripe's metadata merge: ``""`` clears everything, a key set to ``""`` is removed."""
    if update is None:
        return current
    if update == "":
        return {}
    if not isinstance(update, dict):
        raise bad_param("Invalid object: metadata must be a hash.", param=param)
    merged = dict(current)
    for key, value in update.items():
        if not isinstance(value, str):
            raise bad_param(
                f"Invalid value for metadata key {key}: must be a string.", param=f"{param}[{key}]"
            )
        if len(key) > 40:
            raise bad_param("Metadata keys can have up to 40 characters.", param=f"{param}[{key}]")
        if len(value) > 500:
            raise bad_param("Metadata values can have up to 500 characters.", param=f"{param}[{key}]")
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > 50:
        raise bad_param("Metadata can have up to 50 keys.", param=param)
    return merged
