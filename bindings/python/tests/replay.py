"""A server that answers with the public server's recorded responses
(`shared/fixtures/upstream-task-queue`), in the order a test names them,
and records what it was asked."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
from contextlib import contextmanager


FILES = ("upstream-exchanges.jsonl", "upstream-extras.jsonl")


def fixtures_dir() -> Path:
    """The recordings: `TASKQUEUE_FIXTURES`, else the repository's copy of
    `shared/fixtures/upstream-task-queue` (`taskqueue-proto/tests/fixtures`)."""
    env = os.environ.get("TASKQUEUE_FIXTURES")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "taskqueue-proto" / "tests" / "fixtures"
        if (candidate / FILES[0]).is_file():
            return candidate
    raise FileNotFoundError("the recorded fixtures (taskqueue-proto/tests/fixtures) are not there")


def recordings() -> Dict[str, List[Dict[str, Any]]]:
    """Every exchange by label (a label may occur more than once)."""
    out: Dict[str, List[Dict[str, Any]]] = {}
    for name in FILES:
        for line in (fixtures_dir() / name).read_text().splitlines():
            if line.strip():
                exchange = json.loads(line)
                out.setdefault(exchange["label"], []).append(exchange)
    return out


@contextmanager
def replaying(labels: List[str]) -> Iterator[Tuple[str, List[Tuple[str, str]]]]:
    """A server answering the recorded exchanges `labels`, in that order:
    yields its URL and the (method, path) of each request it got."""
    recorded = recordings()
    script = [recorded[label][0] for label in labels]
    seen: List[Tuple[str, str]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            with lock:
                seen.append((self.command, self.path))
                expected: Optional[Dict[str, Any]] = script.pop(0) if script else None
            if expected is None or (expected["request"]["method"], expected["request"]["path"]) != (
                self.command,
                self.path,
            ):
                self.send_response(599)
                self.end_headers()
                return
            response = expected["response"]
            body = (
                json.dumps(response["body_json"]).encode()
                if response.get("body_json") is not None
                else (response.get("body_text") or "").encode()
            )
            self.send_response(response["status"])
            if response.get("content_type"):
                self.send_header("content-type", response["content_type"])
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
    assert not script, f"the client did not send {[s['label'] for s in script]}"
