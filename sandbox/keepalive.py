"""HTTP/1.1 keep-alive for the sandbox's threaded werkzeug server.

werkzeug's development server answers every request with ``Connection: close`` (its handler
cannot tell where a request body ends, so it drains the socket after each answer). Every call then
paid a TCP connect and accept, a new server thread and a new client connection: at 16 concurrent
callers the sandbox answered fewer than 200 billed-marking PUTs a second, and as the benchmarks'
stand-in for FreshBooks it must not be their bottleneck.

``KeepAliveRequestHandler`` keeps the connection open when both ends are plain: an HTTP/1.1
request that does not ask to close, with no ``Expect`` and no ``Transfer-Encoding`` and a
``Content-Length`` (or no body), answered with a ``Content-Length`` (or no body). The body is read
through a reader that stops at ``Content-Length``, so the next request starts exactly where this
one ended; a body the app left unread closes the connection after the answer (drained
briefly first, as werkzeug does). Any other
request is served by werkzeug's own ``run_wsgi`` unchanged (it closes). Status, headers other than
``Connection``, bodies and faults are the app's, as before; an exception that escapes the app
answers werkzeug's 500 and closes, and a ``BaseException`` (the sandbox's reset fault) goes up to
the server's ``handle`` as before.
"""

from __future__ import annotations

import io
import selectors
import traceback
from typing import Any

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import WSGIRequestHandler

# Bodies above this are left to werkzeug's own handling (and its closing drain).
MAX_KEPT_BODY = 10_000_000
BODYLESS_STATUSES = frozenset({204, 304})


class BodyReader(io.RawIOBase):
    """At most ``length`` bytes of ``rfile``; ``remaining`` says how many are still unread."""

    def __init__(self, rfile: Any, length: int, socket: Any):
        super().__init__()
        self._rfile = rfile
        self.socket = socket
        self._read = getattr(rfile, "read1", rfile.read)  # what is there, up to `size`
        self.remaining = length
        self.truncated = False  # the client sent fewer bytes than it announced

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.remaining <= 0:
            return 0
        view = memoryview(buffer).cast("B")
        size = min(len(view), self.remaining)
        data = self._read(size)
        if not data:
            self.truncated = True
            self.remaining = 0
            return 0
        view[: len(data)] = data
        self.remaining -= len(data)
        return len(data)


class KeepAliveRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, keeping plain HTTP/1.1 connections open between requests."""

    disable_nagle_algorithm = True  # each answer leaves at once (also werkzeug's own answers)

    def _body_length(self) -> int | None:
        """The request's body length when this request can be kept alive, else None."""
        headers = self.headers
        if self.request_version != "HTTP/1.1" or self.close_connection:
            return None
        if headers.get("Transfer-Encoding") is not None or headers.get("Expect") is not None:
            return None
        raw = headers.get("Content-Length")
        if raw is None:
            return 0
        raw = raw.strip()
        if not raw.isdigit() or int(raw) > MAX_KEPT_BODY:
            return None
        return int(raw)

    def run_wsgi(self) -> None:
        length = self._body_length()
        if length is None:
            super().run_wsgi()
            return
        reader = BodyReader(self.rfile, length, self.connection)
        self.environ = environ = self.make_environ()
        environ["wsgi.input"] = reader
        try:
            self._respond(environ, reader)
        except (ConnectionError, TimeoutError) as error:
            self.close_connection = True
            self.connection_dropped(error, environ)

    def _respond(self, environ: dict[str, Any], reader: BodyReader) -> None:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            if exc_info is not None and started and started[0] is not None:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return lambda data: None  # the legacy write callable is not used by Flask

        try:
            result = self.server.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:  # what werkzeug answers for an error that escapes the app
            self.server.log("error", "Error on request:\n%s", traceback.format_exc())
            self.close_connection = True
            started.clear()
            result = InternalServerError()(environ, start_response)
            body = b"".join(result)
        status, headers = started
        code_text, _, message = status.partition(" ")
        code = int(code_text)
        names = {name.lower() for name, _ in headers}
        framed = (
            "content-length" in names
            or code in BODYLESS_STATUSES
            or 100 <= code < 200
            or self.command == "HEAD"
        )
        if not framed or reader.remaining or reader.truncated:
            self.close_connection = True
        self.send_response(code, message)
        for name, value in headers:
            if name.lower() != "connection":
                self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        # Head and body in one write: a second small write on a kept-alive connection would wait
        # for the client's delayed ACK (Nagle), about 40 ms a call.
        self._headers_buffer.append(b"\r\n")
        if body and self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()
        if reader.remaining:
            _drain_briefly(reader)


def _drain_briefly(reader: BodyReader) -> None:
    """Read what the app left unread, as werkzeug does before closing, so the client sees the
    answer rather than a reset; stops as soon as the client pauses for 10 ms."""
    reader_socket = reader.socket
    with selectors.DefaultSelector() as selector:
        selector.register(reader_socket, selectors.EVENT_READ)
        while reader.remaining and selector.select(timeout=0.01):
            if not reader.read(min(reader.remaining, 65536)):
                break
