"""`socialgit serve`: build, serve on 127.0.0.1, rebuild on change, reload the open page.

The reload script is added to HTML responses by the server only; the built
files never contain it. It polls a build id, which changes after each rebuild
that wrote something.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Callable

RELOAD_PATH = "/__socialgit/build-id"
RELOAD_SCRIPT = b"""<script>
(function () {
  var seen = null;
  function poll() {
    fetch("%s", {cache: "no-store"}).then(function (r) { return r.text(); }).then(function (id) {
      if (seen !== null && id !== seen) { location.reload(); }
      seen = id;
    }).catch(function () {}).then(function () { setTimeout(poll, 800); });
  }
  poll();
})();
</script>
""" % RELOAD_PATH.encode()
WATCHED = ("content", "templates", "socialgit.toml")


class BuildState:
    """The current build id and the last error, shared between the watcher and the server."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.build_id = 0
        self.error = ""

    def bump(self) -> None:
        with self.lock:
            self.build_id += 1

    def current(self) -> str:
        with self.lock:
            return str(self.build_id)


class Handler(http.server.SimpleHTTPRequestHandler):
    state: BuildState

    def do_GET(self) -> None:  # noqa: N802 - http.server's API
        if self.path.split("?")[0] == RELOAD_PATH:
            body = self.state.current().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file() and not self.path.endswith("/.."):
            if not self.path.split("?")[0].endswith(("/", ".html")):
                return super().do_GET()  # let the base class redirect /folder to /folder/
            data = path.read_bytes()
            data = data.replace(b"</body>", RELOAD_SCRIPT + b"</body>", 1)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        super().do_GET()

    def log_message(self, format: str, *args) -> None:  # quiet: the terminal shows rebuilds instead
        pass


def make_server(out: Path, port: int, state: BuildState) -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``out`` on 127.0.0.1 only: a preview is never reachable from the network."""
    handler = type("SiteHandler", (Handler,), {"state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(out)))
    server.daemon_threads = True
    return server


def watch(root: Path, rebuild: Callable[[], None], stop: threading.Event) -> None:
    """Call ``rebuild`` after changes under content/, templates/ or to socialgit.toml (debounced)."""
    import watchfiles

    paths = [root / name for name in WATCHED if (root / name).exists()]

    def interesting(change, path: str) -> bool:
        name = Path(path).name
        return not name.startswith((".", "#")) and not name.endswith(("~", ".swp", ".tmp"))

    for _changes in watchfiles.watch(*paths, watch_filter=interesting, stop_event=stop, debounce=300,
                                     raise_interrupt=False):
        rebuild()
