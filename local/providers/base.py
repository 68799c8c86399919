"""What every provider stand-in shares: its server's lifecycle and failure injection."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar, Self

from local.http import RunningServer, serve

if TYPE_CHECKING:
    from collections.abc import Iterable
    from wsgiref.types import StartResponse, WSGIEnvironment


class StandInServer:
    """A WSGI stand-in on a free 127.0.0.1 port, whose next requests can be made to fail."""

    #: names the server thread
    server_name: ClassVar[str] = "stand-in"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._fail_next: list[int] = []
        self._outage = False
        self._server: RunningServer | None = None

    def app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise NotImplementedError

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on a free 127.0.0.1 port; returns the base URL (no trailing slash)."""
        if self._server is None:
            self._server = serve(self.app, self.server_name)
        return self._server.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def url(self) -> str | None:
        return self._server.url if self._server else None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()

    # --- failure injection ---------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        """Make the next ``n`` requests fail with ``status`` (in the provider's error shape)."""
        with self._lock:
            self._fail_next.extend([status] * n)

    def set_outage(self, on: bool) -> None:
        """While on, every request fails with 503."""
        with self._lock:
            self._outage = on

    def _injected_status(self) -> int | None:
        """The status the current request must fail with, if a failure was injected."""
        with self._lock:
            if self._outage:
                return 503
            if self._fail_next:
                return self._fail_next.pop(0)
            return None
