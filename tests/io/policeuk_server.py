"""A local imitation of data.police.uk for the fetcher's tests (127.0.0.1 only).

It serves the bulk archive (``/data/archive/<name>.zip``) and the street-level crimes
API (``/api/crimes-street/all-crime`` by GET or POST with ``date`` and ``poly``), as
documented at data.police.uk/about and data.police.uk/docs/method/crime-street/: an
area holding more than ``cap`` crimes gets HTTP 503 (the real cap is 10,000), a month
it does not know gets 404, and faults can be queued per path: ``"503"``, ``"429"``
(with ``Retry-After``), ``"400"``, ``"slow"`` (answers after ``slow_s`` seconds) and
``"truncate"`` (half the body, with a matching Content-Length).
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import shapely

ARCHIVE_PREFIX = "/data/archive/"
CRIMES_PATH = "/api/crimes-street/all-crime"


class PoliceUKServer:
    """Start with :meth:`start` (returns the base URL); stop with :meth:`stop`."""

    def __init__(self, *, cap: int = 50) -> None:
        self.cap = cap
        self.archives: dict[str, bytes] = {}  # "2024-03" -> ZIP bytes
        self.crimes: dict[str, list[dict]] = {}  # "2024-03" -> API crimes
        self.faults: dict[str, list[str]] = defaultdict(list)  # path -> queue
        self.retry_after = "1"
        self.slow_s = 1.0
        self.log: list[tuple[str, str, int]] = []  # (method, path, status)
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # -- control --------------------------------------------------------------
    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._serve(self, parse_qs(urlsplit(self.path).query))

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size).decode("utf-8")
                owner._serve(self, parse_qs(body))

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request, client_address) -> None:
                pass  # the client hung up on a slow answer: expected

        self._httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        ).start()
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def count(self, path_prefix: str = "/") -> int:
        """Requests received whose path starts with ``path_prefix``."""
        return sum(1 for _, path, _ in self.log if path.startswith(path_prefix))

    # -- answers --------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler, fields: dict) -> None:
        path = urlsplit(handler.path).path
        with self._lock:
            fault = self.faults[path].pop(0) if self.faults[path] else None
        status, body, headers = self._answer(path, fields, fault)
        with self._lock:
            self.log.append((handler.command, path, status))
        if fault == "slow":
            time.sleep(self.slow_s)
        sent = body[: len(body) // 2] if fault == "truncate" else body
        try:
            handler.send_response(status)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(sent)))
            handler.end_headers()
            handler.wfile.write(sent)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _answer(
        self, path: str, fields: dict, fault: str | None
    ) -> tuple[int, bytes, dict[str, str]]:
        if fault in {"503", "400"}:
            return int(fault), b"fault", {}
        if fault == "429":
            return 429, b"Too Many Requests", {"Retry-After": self.retry_after}
        if path.startswith(ARCHIVE_PREFIX) and path.endswith(".zip"):
            name = path[len(ARCHIVE_PREFIX) : -len(".zip")]
            if name not in self.archives:
                return 404, b"Not Found", {}
            return 200, self.archives[name], {"Content-Type": "application/zip"}
        if path == CRIMES_PATH:
            return self._crimes(fields)
        return 404, b"Not Found", {}

    def _crimes(self, fields: dict) -> tuple[int, bytes, dict[str, str]]:
        month = (fields.get("date") or [""])[0]
        poly = (fields.get("poly") or [""])[0]
        if month not in self.crimes:
            return 404, b"[]", {}
        try:
            pairs = [tuple(map(float, p.split(","))) for p in poly.split(":")]
            area = shapely.Polygon([(lng, lat) for lat, lng in pairs])
        except ValueError:
            return 400, b"bad poly", {}
        inside = [
            c
            for c in self.crimes[month]
            if area.covers(
                shapely.Point(
                    float(c["location"]["longitude"]), float(c["location"]["latitude"])
                )
            )
        ]
        if len(inside) > self.cap:
            return 503, b"Service Unavailable", {}
        return 200, json.dumps(inside).encode(), {"Content-Type": "application/json"}
