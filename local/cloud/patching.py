"""Reversible attribute patches on moto's internals.

Every hook the local cloud installs goes through :class:`Patches`, which checks that the target
still exists (so a moto upgrade that moves it fails loudly, naming the attribute and the
version) and puts every original back on :meth:`Patches.restore`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import metadata
from typing import Any

_MISSING = object()

#: the moto release these hooks were written against
EXPECTED_MOTO_VERSION = "5.2.5"


class MotoInternalsChangedError(RuntimeError):
    """A moto internal the local cloud hooks is gone or changed shape."""


def moto_version() -> str:
    return metadata.version("moto")


def resolve(dotted: str) -> tuple[Any, str]:
    """``package.module:Class.attr`` → (owner object, attribute name)."""
    module_name, _, path = dotted.partition(":")
    try:
        owner: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise MotoInternalsChangedError(
            f"moto {moto_version()} (hooks written for {EXPECTED_MOTO_VERSION}): "
            f"module {module_name} is gone ({exc})"
        ) from exc
    *parents, attribute = path.split(".")
    for part in parents:
        owner = getattr(owner, part, _MISSING)
        if owner is _MISSING:
            raise MotoInternalsChangedError(
                f"moto {moto_version()} (hooks written for {EXPECTED_MOTO_VERSION}): "
                f"{module_name}.{'.'.join(parents)} is gone"
            )
    return owner, attribute


def require(dotted: str) -> Any:
    """The current value of ``dotted``; raises :class:`MotoInternalsChangedError` if it is missing."""
    owner, attribute = resolve(dotted)
    value = getattr(owner, attribute, _MISSING)
    if value is _MISSING:
        raise MotoInternalsChangedError(
            f"moto {moto_version()} (hooks written for {EXPECTED_MOTO_VERSION}): "
            f"{dotted} is gone; the local cloud hooks it"
        )
    return value


@dataclass
class _Saved:
    owner: Any
    attribute: str
    original: Any
    existed: bool  # False: the attribute was added, restore deletes it


#: every Patches that currently holds replacements (so guards can see the originals)
_ACTIVE: list[Patches] = []


def original(dotted: str) -> Any:
    """moto's own value of ``dotted``, even while a running local cloud has replaced it."""
    owner, attribute = resolve(dotted)
    for patches in _ACTIVE:
        for saved in patches._saved:
            if saved.owner is owner and saved.attribute == attribute:
                if not saved.existed:
                    # an inherited attribute was shadowed: the original lives on a base class
                    for base in getattr(owner, "__mro__", ())[1:]:
                        if attribute in vars(base):
                            raw = vars(base)[attribute]
                            break
                    else:
                        raise MotoInternalsChangedError(f"{dotted} was added by the local cloud, not moto")
                else:
                    raw = saved.original
                return raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
    return require(dotted)


class Patches:
    """A stack of attribute replacements, undone in reverse order."""

    def __init__(self) -> None:
        self._saved: list[_Saved] = []

    def replace(self, dotted: str, value: Any) -> Any:
        """Replace an existing attribute; returns the original."""
        owner, attribute = resolve(dotted)
        current = require(dotted)
        raw = vars(owner).get(attribute, _MISSING)
        # inherited class attributes are shadowed, then the shadow is deleted on restore;
        # own attributes are restored raw (keeps staticmethod/classmethod wrappers)
        self._saved.append(_Saved(owner, attribute, raw, existed=raw is not _MISSING))
        setattr(owner, attribute, value)
        if self not in _ACTIVE:
            _ACTIVE.append(self)
        return current

    def add(self, dotted: str, value: Any) -> None:
        """Add an attribute that moto does not define (deleted again on restore)."""
        owner, attribute = resolve(dotted)
        raw = vars(owner).get(attribute, _MISSING)
        self._saved.append(_Saved(owner, attribute, raw, existed=raw is not _MISSING))
        setattr(owner, attribute, value)
        if self not in _ACTIVE:
            _ACTIVE.append(self)

    def restore(self) -> None:
        while self._saved:
            saved = self._saved.pop()
            if saved.existed:
                setattr(saved.owner, saved.attribute, saved.original)
            else:
                delattr(saved.owner, saved.attribute)
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    def __len__(self) -> int:
        return len(self._saved)
