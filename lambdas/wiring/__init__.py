"""The wiring: adapters plugged into the workflows' ports, one container per capability.

Each module here (``core``, ``catalog``, ``checkout``, ...) has a container class whose members
are ``functools.cached_property``: each is built on first use, once per cold start, and imports
what it needs only then (a function loads only the SDKs and drivers it uses). ``wiring()`` in
each module returns that module's one container, through :func:`container`.

A test may override a member by plain assignment on the instance
(``platform.wiring().probes = {...}``); :func:`reset` drops every container, as a new cold start
would, so the override goes too. Nothing but the standard library is imported here.
"""

from __future__ import annotations

import threading
from typing import TypeVar, cast

T = TypeVar("T")

#: the containers built so far, by class: whichever module builds one registers it by using it
_CONTAINERS: dict[type, object] = {}
#: the local cloud serves requests on threads: two first asks must not build two containers
_LOCK = threading.Lock()


def container(cls: type[T]) -> T:
    """The one instance of ``cls`` (built, without arguments, on first use)."""
    found = _CONTAINERS.get(cls)
    if found is None:
        with _LOCK:
            found = _CONTAINERS.get(cls)
            if found is None:
                found = _CONTAINERS[cls] = cls()
    return cast("T", found)


def reset() -> None:
    """Drop every container, the last built first, closing those that hold a connection pool.

    All of them at once: a container holds what the ones it uses built (the core's pool, a
    client), so dropping one alone could leave another holding a closed pool.
    """
    with _LOCK:
        dropped = list(_CONTAINERS.values())
        _CONTAINERS.clear()
    for found in reversed(dropped):
        close = getattr(found, "close", None)
        if callable(close):
            close()
