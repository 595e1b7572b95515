"""Running the sandbox as a live HTTP server in a background thread."""

from __future__ import annotations

import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


def run_in_thread(
    app: Flask, host: str = "127.0.0.1", port: int = 0
) -> tuple[BaseWSGIServer, threading.Thread]:
    """Serve ``app`` with a threaded werkzeug server on a daemon thread.

    ``port=0`` picks a free port; read it back from ``server.server_port``.
    When the app is a sandbox started on port 0, its public base URL (and the
    issuer, unless ``SANDBOX_ISSUER`` was set) is updated to the real address.
    Stop it with ``server.shutdown(); thread.join()``.
    """
    server = make_server(host, port, app, threaded=True)
    state = app.extensions.get("sandbox")
    if state is not None and port == 0:
        with state.lock:
            netloc = f"[{host}]" if ":" in host else host
            state.base_url = f"http://{netloc}:{server.server_port}"
    thread = threading.Thread(
        target=server.serve_forever, name=f"wsgi-{host}:{server.server_port}", daemon=True
    )
    thread.start()
    return server, thread
