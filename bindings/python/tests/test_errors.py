"""The error mapping: each status, timeouts, connection refused, 429 with
Retry-After; every error carries the request id and the call."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid

import pytest

import taskqueue
from taskqueue import AsyncTaskQueueClient, TaskQueueClient
from taskqueue.testing import reference_server


def test_not_found_names_the_resource_and_the_call(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        with pytest.raises(taskqueue.TaskNotFoundError) as task:
            client.get_task(uuid.uuid4())
        assert task.value.status_code == 404 and str(task.value).startswith("[404] ")
        assert task.value.request_id and task.value.operation == "get_task" and task.value.attempts == 1
        with pytest.raises(taskqueue.ProjectNotFoundError):
            client.get_project(uuid.uuid4())


def test_invalid_input_is_a_validation_error_before_sending(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        with pytest.raises(taskqueue.ValidationError):
            client.create_task("", "make", uuid.uuid4())
        with pytest.raises(taskqueue.ValidationError) as info:
            client.create_tasks([{"name": "ok", "command": "c", "project_id": uuid.uuid4()}, {"name": "x"}])
        assert "tasks[1]" in str(info.value)
        with pytest.raises(taskqueue.ValidationError):
            TaskQueueClient(base_url="ftp://nowhere")
        with pytest.raises(taskqueue.ValidationError):
            TaskQueueClient(base_url=server, dialect="other")


def test_credentials_are_checked() -> None:
    with reference_server(token="s3cret") as url:
        with TaskQueueClient(base_url=url) as anonymous:
            with pytest.raises(taskqueue.AuthenticationError) as info:
                anonymous.list_projects()
            assert info.value.status_code == 401
        with TaskQueueClient(base_url=url, token="s3cret") as allowed:
            assert allowed.list_projects() == []


def test_a_rate_limit_is_a_rate_limit_error_with_retry_after() -> None:
    with reference_server(rate_limit=1) as url:
        with TaskQueueClient(base_url=url, retry_attempts=1) as client:
            with pytest.raises(taskqueue.RateLimitError) as info:
                for _ in range(10):
                    client.list_projects()
            assert info.value.status_code == 429 and info.value.retry_after is not None


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_a_connection_error() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with TaskQueueClient(base_url=url, retry_attempts=1) as client:
        with pytest.raises(taskqueue.ConnectionError) as info:
            client.list_projects()
        assert isinstance(info.value, ConnectionError)  # the builtin too
        assert info.value.request_id

    async def main() -> None:
        async with AsyncTaskQueueClient(base_url=url, retry_attempts=1) as client:
            with pytest.raises(taskqueue.ConnectionError):
                await client.list_projects()

    asyncio.run(main())


def test_timeouts_are_timeout_errors(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        project = client.create_project("timeouts")
        task = client.create_task("forever", "sleep 1000", project.id)
        client.cancel_task(task.id)
        stuck = client.create_task("stuck", "sleep 1000", project.id)
        # A task that never completes: a wait that runs out of time.
        with reference_server() as idle:
            with TaskQueueClient(base_url=idle) as other:
                p = other.create_project("p")
                t = other.create_task("t", "c", p.id)
                with pytest.raises(taskqueue.TimeoutError) as info:
                    other.wait_for_completion(t.id, timeout=0.3)
                assert info.value.kind == "wait_timed_out"
        assert stuck.id


def test_a_silent_server_times_out_each_attempt() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        with TaskQueueClient(base_url=url, timeout=0.2, retry_attempts=1) as client:
            started = time.monotonic()
            with pytest.raises(taskqueue.TimeoutError) as info:
                client.list_projects()
            assert time.monotonic() - started < 5
            assert info.value.kind == "timeout" and info.value.request_id
    finally:
        listener.close()


def test_cancelling_an_awaited_call_aborts_it_and_the_loop_runs_meanwhile() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    async def main() -> None:
        async with AsyncTaskQueueClient(base_url=url, timeout=60, retry_attempts=1) as client:
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            ticking = asyncio.ensure_future(ticker())
            call = asyncio.ensure_future(client.list_projects())
            await asyncio.sleep(0.3)
            assert not call.done()
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            ticking.cancel()
            assert ticks >= 10, "the loop was not blocked while the call was in flight"

    try:
        asyncio.run(main())
    finally:
        listener.close()


def test_an_answer_that_does_not_fit_the_models_is_a_decode_error() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = b'[{"id": "not-a-uuid", "name": 1}]'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with TaskQueueClient(base_url=f"http://127.0.0.1:{server.server_address[1]}") as client:
            with pytest.raises(taskqueue.APIError) as info:
                client.list_tasks()
            assert info.value.kind == "decode" and info.value.operation == "list_tasks"
            with pytest.raises(taskqueue.APIError) as info:
                client.get_task(uuid.uuid4())
            assert info.value.kind == "decode"
    finally:
        server.shutdown()
        server.server_close()
