"""What the local cloud API endpoints share: their test seams, their HTTP server and their
command line.

- ``Endpoint``: the interface of every endpoint (``start``, ``stop``, ``url``, ``seed``, a
  context manager that starts and stops it) and its test seams: the request counts
  (``calls``, ``reset_calls``), fault injection (``fail_next``) and the answers of the seams'
  HTTP routes (``GET /_infra/calls``, ``DELETE /_infra/calls``, ``POST /_infra/seed``, ``POST
  /_infra/fail``). ``tools/endpoints/aws.py`` (moto's server) builds on it.
- ``LocalEndpoint``: an endpoint served by a ``ThreadingHTTPServer`` of its own on a daemon
  thread (127.0.0.1 and a free port by default), its state built from the neutral seed
  (``tools/endpoints/seed.py``) by ``_new_state``; ``stop()`` also ends the kept-alive
  connections (a stopped endpoint is down). ``tools/endpoints/azure.py`` and
  ``tools/endpoints/alicloud.py`` build on it.
- ``EndpointHandler``: the request handler of a ``LocalEndpoint`` (HTTP/1.1 with keep-alive,
  Nagle's algorithm off, no log lines, its connections tracked): it reads the body, answers the
  ``/_infra/`` routes and hands every other request to ``_serve_api``; ``_send`` writes a JSON
  answer.
- ``serve_main``: an endpoint module's entry point, ``python -m tools.endpoints.<cloud> --seed
  FILE [--time-factor F] [--host H] [--port P]``: it prints the URL as its first line and
  serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar, cast
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Endpoint", "EndpointHandler", "LocalEndpoint", "serve_main"]

K = TypeVar("K", bound=Hashable)
StateT = TypeVar("StateT")
Fault = tuple[int, str, str]  # (HTTP status, error code, message)


class Endpoint(ABC, Generic[K]):
    """A local endpoint and its test seams: requests counted by key ``K`` (the operation with its
    HTTP method), faults queued by operation. ``self._lock`` (re-entrant) guards the counts, the
    faults and whatever state a subclass keeps under it."""

    # The message of a fault ``POST /_infra/fail`` queues without one.
    infra_fault_message: ClassVar[str] = "Service Unavailable"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._counts: Counter[K] = Counter()
        self._faults: dict[str, list[Fault]] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    @abstractmethod
    def start(self) -> Self: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    @abstractmethod
    def url(self) -> str: ...

    # -- seams -------------------------------------------------------------------------------
    @abstractmethod
    def seed(self, seed: Mapping[str, Any]) -> None:
        """Replace all state by ``seed`` (call counts and pending faults stay)."""

    def calls(self) -> dict[K, int]:
        """Requests served so far, by ``"<HTTP method> <operation>"`` (the operation as the
        endpoint's module docstring names it; AWS: by (HTTP method, ``"<service>.<Operation>"``))."""
        with self._lock:
            return dict(self._counts)

    def reset_calls(self) -> None:
        with self._lock:
            self._counts.clear()

    def fail_next(
        self,
        operation: str,
        status: int = 503,
        code: str = "ServiceUnavailable",
        message: str = "Service Unavailable",
        count: int = 1,
    ) -> None:
        """The next ``count`` calls of ``operation`` (as ``calls()`` names it, without the HTTP
        method: ``"eks.UpdateNodegroupConfig"`` on AWS) answer this error instead, in the API's
        error shape (on AWS: the protocol's, instead of reaching moto)."""
        with self._lock:
            self._faults.setdefault(operation, []).extend([(status, code, message)] * count)

    def _count(self, key: K) -> None:
        """Count one request."""
        with self._lock:
            self._counts[key] += 1

    def _take_fault(self, operation: str) -> Fault | None:
        """The fault the next call of ``operation`` answers, if one is queued (now taken)."""
        with self._lock:
            faults = self._faults.get(operation)
            return faults.pop(0) if faults else None

    def _call_names(self) -> dict[str, int]:
        """The counts as ``GET /_infra/calls`` answers them."""
        return {str(key): count for key, count in self.calls().items()}

    def _infra_answer(self, method: str, path: str, raw: bytes) -> tuple[int, Any]:
        """(status, JSON answer) of a request to the seams' routes (``/_infra/...``)."""
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            return 400, {"error": "the body is not JSON"}
        if path == "/_infra/calls" and method == "GET":
            return 200, {"calls": self._call_names()}
        if path == "/_infra/calls" and method == "DELETE":
            self.reset_calls()
            return 200, {"ok": True}
        if path == "/_infra/seed" and method == "POST":
            try:
                self.seed(data)
            except (KeyError, TypeError, ValueError) as exc:
                return 400, {"error": f"bad seed: {exc!r}"}
            return 200, {"ok": True}
        if path == "/_infra/fail" and method == "POST":
            try:
                self.fail_next(
                    str(data["operation"]),
                    int(data.get("status", 503)),
                    str(data.get("code", "ServiceUnavailable")),
                    str(data.get("message", self.infra_fault_message)),
                    int(data.get("count", 1)),
                )
            except (KeyError, TypeError, ValueError) as exc:
                return 400, {"error": f"bad fault: {exc!r}"}
            return 200, {"ok": True}
        return 404, {"error": f"no {method} {path}"}


class LocalEndpoint(Endpoint[str], Generic[StateT]):
    """An endpoint with its own HTTP server: ``handler`` serves its requests, on a thread named
    ``thread_name``; ``_new_state`` builds its state (``self._state``) from a seed. Requests are
    counted by ``"<HTTP method> <operation>"``."""

    handler: ClassVar[type[EndpointHandler]]
    thread_name: ClassVar[str]

    def __init__(
        self,
        seed: Mapping[str, Any] | None = None,
        time_factor: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if time_factor < 0:
            raise ValueError("time_factor must be >= 0")
        super().__init__()
        self.time_factor = time_factor
        self._state = self._new_state(seed or {})
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    @abstractmethod
    def _new_state(self, seed: Mapping[str, Any]) -> StateT:
        """The endpoint's state from ``seed``."""

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Self:
        if self._server is not None:
            return self
        handler = cast("type[EndpointHandler]", type("Handler", (self.handler,), {"api": self}))
        server = ThreadingHTTPServer(self._address, handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, and end the kept-alive connections too (a stopped endpoint is down)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the endpoint is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- seams -------------------------------------------------------------------------------
    def seed(self, seed: Mapping[str, Any]) -> None:
        """Replace all state by ``seed`` (call counts and pending faults stay)."""
        state = self._new_state(seed)
        with self._lock:
            self._state = state


class EndpointHandler(BaseHTTPRequestHandler):
    """The request handler of a ``LocalEndpoint`` (``api``): GET, POST, PUT and DELETE (a
    subclass adds the methods its API has more), the seams' ``/_infra/`` routes answered here,
    the others by ``_serve_api``."""

    api: LocalEndpoint[Any]
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # 40 ms to 2 ms a call on loopback
    content_type = "application/json"

    def setup(self) -> None:
        super().setup()
        with self.api._lock:
            self.api._connections.add(self.connection)

    def finish(self) -> None:
        with self.api._lock:
            self.api._connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)  # origin form, or absolute form through a "proxy"
        path = parts.path or "/"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path.startswith("/_infra/"):
            self._send(*self.api._infra_answer(method, path, raw))
            return
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        self._serve_api(method, path, params, raw)

    def _serve_api(self, method: str, path: str, params: dict[str, str], raw: bytes) -> None:
        """Answer one API request (``params``: its query; ``raw``: its body)."""
        raise NotImplementedError

    def _send(self, status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


def serve_main(
    prog: str,
    doc: str | None,
    endpoint: Callable[[Mapping[str, Any], argparse.Namespace], Endpoint[Any]],
    argv: list[str] | None = None,
    options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> int:
    """The entry point ``prog --seed FILE [--time-factor F] [--host H] [--port P]`` (and the
    arguments ``options`` adds): ``endpoint(seed, args)`` started, its URL printed as the first
    line, served until SIGTERM or SIGINT. ``doc``'s first line describes the command."""
    parser = argparse.ArgumentParser(prog=prog, description=(doc or "").partition("\n")[0])
    parser.add_argument("--seed", required=True, help="the neutral seed (JSON file)")
    parser.add_argument("--time-factor", type=float, default=1.0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    if options is not None:
        options(parser)
    args = parser.parse_args(argv)
    with open(args.seed, encoding="utf-8") as handle:
        seed = json.load(handle)
    stopped = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with endpoint(seed, args) as api:
        print(api.url, flush=True)
        stopped.wait()
    return 0
