"""How async calls come back to asyncio (``taskqueue._bridge``): each result
settles its own future, a loop's results come in batches, cancelling drops
the request and forgets the future, and every loop (one per thread, or one
that cannot watch a socket) gets its own results."""

from __future__ import annotations

import asyncio
import selectors
import socket
import threading
import uuid
from typing import Any, Callable, List

import pytest

import taskqueue
from taskqueue import AsyncTaskQueueClient, TaskQueueClient, _bridge


def test_hundreds_of_calls_at_once_each_settle_their_own_future(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as sync:
        project = sync.create_project(f"bridge-{dialect}")
        tasks = sync.create_tasks(
            [{"name": f"b{i}", "command": "true", "project_id": project.id} for i in range(50)]
        )

    async def main() -> None:
        async with AsyncTaskQueueClient(base_url=server, dialect=dialect) as client:
            missing = [uuid.uuid4() for _ in range(10)]
            wanted: List[Any] = [t.id for t in tasks] * 6 + missing
            results = await asyncio.gather(*(client.get_task(i) for i in wanted), return_exceptions=True)
            for asked, got in zip(wanted, results):
                if asked in missing:
                    assert isinstance(got, taskqueue.TaskNotFoundError)
                else:
                    assert not isinstance(got, BaseException) and got.id == asked
            assert not _bridge.running().futures, "every settled future is forgotten"

    asyncio.run(main())


def test_cancelling_a_call_drops_its_connection_and_forgets_its_future() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(10)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    async def main() -> None:
        async with AsyncTaskQueueClient(base_url=url, timeout=60, retry_attempts=1) as client:
            call = asyncio.ensure_future(client.list_projects())
            connection, _ = await asyncio.get_running_loop().run_in_executor(None, listener.accept)
            with connection:
                connection.settimeout(10)
                loop = asyncio.get_running_loop()
                request = b""
                while b"\r\n\r\n" not in request:  # the whole request is in: the call waits for the answer
                    chunk = await loop.run_in_executor(None, connection.recv, 4096)
                    assert chunk, request
                    request += chunk
                assert request.startswith(b"GET /api/projects")
                assert len(_bridge.running().futures) == 1
                call.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await call
                assert not _bridge.running().futures
                # Then the end of the stream: the call let go of the connection.
                assert await loop.run_in_executor(None, connection.recv, 4096) == b""

    try:
        asyncio.run(main())
    finally:
        listener.close()


class _NoReaderLoop(asyncio.SelectorEventLoop):
    """A loop that cannot watch file descriptors (as Windows' proactor)."""

    def add_reader(self, fd: Any, callback: Callable[..., Any], *args: Any) -> None:  # type: ignore[override]
        raise NotImplementedError


def test_a_loop_that_cannot_watch_a_socket_is_woken_another_way(server: str, dialect: str) -> None:
    loop = _NoReaderLoop(selectors.DefaultSelector())
    try:

        async def main() -> int:
            async with AsyncTaskQueueClient(base_url=server, dialect=dialect) as client:
                calls = asyncio.gather(*(client.list_projects() for _ in range(20)))
                projects = await asyncio.wait_for(calls, 10)  # never woken: a timeout, not a hang
                assert _bridge.running().completions.fileno() is not None  # a socket exists, unwatched
                return len(projects)

        assert loop.run_until_complete(main()) == 20
    finally:
        loop.close()


def test_loops_in_several_threads_each_get_their_own_results(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as sync:
        project = sync.create_project(f"threads-{dialect}")
        tasks = [sync.create_task(f"t{i}", "true", project.id) for i in range(4)]
    found: List[List[str]] = [[] for _ in tasks]
    errors: List[BaseException] = []

    def worker(index: int) -> None:
        async def main() -> None:
            async with AsyncTaskQueueClient(base_url=server, dialect=dialect) as client:
                for _ in range(25):
                    found[index].append((await client.get_task(tasks[index].id)).name)

        try:
            asyncio.run(main())
        except BaseException as error:  # reported below, on the test's thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert found == [[f"t{i}"] * 25 for i in range(len(tasks))]
