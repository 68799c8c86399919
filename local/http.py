"""Serve a WSGI application on a free 127.0.0.1 port in a background thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication


class _QuietHandler(WSGIRequestHandler):
    """No access-log line per request (the console and the tests say what happened)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@dataclass
class RunningServer:
    """A server started by :func:`serve`; ``url`` has no trailing slash."""

    name: str
    url: str
    port: int
    _server: BaseWSGIServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve(app: WSGIApplication, name: str, port: int = 0) -> RunningServer:
    """Start ``app`` on 127.0.0.1 (``port`` 0 = a free one); returns once it accepts connections."""
    # threaded=True serves each request on its own daemon thread
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"http-{name}", daemon=True
    )
    thread.start()
    bound = server.server_port
    return RunningServer(name, f"http://127.0.0.1:{bound}", bound, server, thread)
