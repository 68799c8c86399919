"""botocore calls to the local endpoint served in-process, by the same WSGI app as moto's server.

Every AWS call of the functions (boto3, pynamodb: all botocore) used to cross a TCP connection to
moto's werkzeug server, which closes the connection after each response and serves each request
on a new thread: a connect, a thread start and a close per DynamoDB ``GetItem``, 5-10 ms in all,
measured as most of a checkout's local time. An AWS SDK in Lambda keeps its connections alive,
so that overhead is the local cloud's, not the product's.

:class:`InProcessTransport` hands a request addressed to the local endpoint straight to moto's
WSGI application (the very app the server runs: same routing, same backends, same locks) and
turns its answer into botocore's response. Signing, serialization, parsing, retries and error
handling on the client side all run as before; only the socket is gone. Clients of other kinds
(a browser, ``requests`` on a presigned S3 URL, the console) still reach the server over HTTP.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

from local.cloud.patching import require

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

    from botocore.awsrequest import AWSPreparedRequest

    from local.cloud.patching import Patches

#: where botocore sends a prepared request (one call per attempt)
ENDPOINT_SEND = "botocore.endpoint:Endpoint._send"


class _RawBody(io.BytesIO):
    """The raw response botocore reads: a buffer that can also be streamed."""

    def stream(self, **_: Any) -> Any:
        while chunk := self.read(65536):
            yield chunk


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytearray):
        return bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        if hasattr(body, "seek"):
            body.seek(0)  # a retry reads it again
        return data if isinstance(data, bytes) else str(data).encode("utf-8")
    return b"".join(body)  # an iterable of chunks


class InProcessTransport:
    """Serves the prepared requests whose URL starts with ``endpoint_url`` through ``app``."""

    def __init__(self, app: WSGIApplication, endpoint_url: str) -> None:
        self.app = app
        self.endpoint_url = endpoint_url.rstrip("/")
        self.served = 0

    def handles(self, url: str) -> bool:
        return url == self.endpoint_url or url.startswith(self.endpoint_url + "/")

    def send(self, request: AWSPreparedRequest) -> AWSResponse:
        parts = urlsplit(request.url)
        builder = EnvironBuilder(
            path=parts.path or "/",
            base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=parts.query,
            method=request.method,
            headers=[
                (k, v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in request.headers.items()
            ],
            data=_body_bytes(request.body),
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        environ["REMOTE_ADDR"] = "127.0.0.1"
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        try:
            body = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        self.served += 1
        return AWSResponse(request.url, int(status.split(" ", 1)[0]), dict(headers.items()), _RawBody(body))

    def install(self, patches: Patches) -> None:
        original = require(ENDPOINT_SEND)
        transport = self

        def send(endpoint: Any, request: AWSPreparedRequest) -> Any:
            if transport.handles(request.url):
                return transport.send(request)
            return original(endpoint, request)

        patches.replace(ENDPOINT_SEND, send)
