"""A psycopg connection pool built from a URL, sized and timed for Lambda and for local runs.

Nothing connects at import time. :func:`make_pool` is called lazily (``lambdas/wiring/core.py``
caches it per cold start); the pool then opens without blocking: its workers connect in the
background and the first ``pool.connection()`` waits at most ``timeout`` seconds for one.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from psycopg import Connection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_APPLICATION_NAME = "resale"
#: a connection given back to the pool less than this long ago is handed out again unchecked
RECENT_RETURN_S = 1.0


class CheckUnlessRecent:
    """The pool's check before handing a connection out, skipped when the connection came back
    less than ``recent_s`` ago: the check is a round trip to the server on every checkout of a
    connection, which catches the sockets a Lambda freeze or a proxy's idle timeout killed, and
    a connection used a moment ago is neither. (One that broke in between, say a server restart,
    fails its first statement: :func:`~adapters.postgres.ledger.unit_of_work` makes that a
    TransientError, the caller retries and the pool replaces the broken connection.)"""

    def __init__(self, recent_s: float = RECENT_RETURN_S) -> None:
        self._recent_s = recent_s
        self._returned: weakref.WeakKeyDictionary[Connection[Any], float] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def returned(self, conn: Connection[Any]) -> None:
        with self._lock:
            self._returned[conn] = time.monotonic()

    def check(self, conn: Connection[Any]) -> None:
        with self._lock:
            returned = self._returned.get(conn)
        if returned is not None and time.monotonic() - returned < self._recent_s:
            return
        ConnectionPool.check_connection(conn)


def make_pool(
    url: str,
    *,
    application_name: str = DEFAULT_APPLICATION_NAME,
    min_size: int = 1,
    max_size: int = 4,
    timeout: float = 10.0,
    connect_timeout: int = 5,
    max_idle: float = 300.0,
    max_lifetime: float = 1800.0,
    server_settings: Mapping[str, str] | None = None,
    open: bool = True,
) -> ConnectionPool[Connection[DictRow]]:
    """A pool of ``dict_row`` connections to ``url``.

    Sizes suit one Lambda execution environment (one request at a time; RDS Proxy multiplexes
    behind it) and the local cloud. ``timeout`` bounds the wait for a free connection and
    ``connect_timeout`` each new connection. Every connection is checked before it is handed
    out: after a Lambda freeze or a proxy idle timeout a pooled socket may be dead.

    The check is skipped for a connection returned less than a second ago (:class:`CheckUnlessRecent`).

    ``server_settings`` (e.g. ``{"statement_timeout": "15s"}``) go in the startup packet's
    ``options``. RDS Proxy rejects startup options, so deployed stacks set such defaults with
    ``ALTER ROLE ... SET`` instead. ``open=False`` returns the pool closed (``pool.open()`` or
    ``with pool:`` opens it).
    """
    kwargs: dict[str, Any] = {
        "row_factory": dict_row,
        "application_name": application_name,
        "connect_timeout": connect_timeout,
    }
    if server_settings:
        kwargs["options"] = " ".join(f"-c {name}={value}" for name, value in server_settings.items())
    check = CheckUnlessRecent()
    return ConnectionPool(
        url,
        connection_class=Connection[DictRow],
        kwargs=kwargs,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout,
        max_idle=max_idle,
        max_lifetime=max_lifetime,
        reconnect_timeout=60.0,
        check=check.check,
        reset=check.returned,
        name=application_name,
        open=open,
    )
