"""The Python SDK on the Rust core against a baseline written to the
original specification's own design (httpx ``AsyncClient`` + pydantic v2
models, ``model_validate`` on the JSON), same reference server, same run.

    pip install ./bindings/python httpx && python bindings/python/bench/bench.py

Each measure runs the baseline and the SDK in alternating rounds (so the
machine's drift falls on both alike) and prints the medians of each and the
median of the per-round ratios; the last line is
``python vs httpx+pydantic: get=X list1000=Y batch500=Z`` (throughput
ratios: how many times the baseline's time the SDK's is).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterator, List

import httpx

from taskqueue import AsyncTaskQueueClient, Task, TaskQueueClient
from taskqueue.testing import reference_server

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
GETS = int(os.environ.get("BENCH_GETS", "200"))


class Baseline:
    """The specification's design: httpx AsyncClient, pydantic ``model_validate``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self.client = httpx.AsyncClient(base_url=base_url + "/api", limits=limits, timeout=30.0)
        self.sync = httpx.Client(base_url=base_url + "/api", limits=limits, timeout=30.0)

    async def get_task(self, task_id: str) -> Task:
        response = await self.client.get(f"/tasks/{task_id}")
        response.raise_for_status()
        return Task.model_validate(response.json())

    def get_task_sync(self, task_id: str) -> Task:
        response = self.sync.get(f"/tasks/{task_id}")
        response.raise_for_status()
        return Task.model_validate(response.json())

    def list_tasks_sync(self, **params: Any) -> List[Task]:
        response = self.sync.get("/tasks", params=params)
        response.raise_for_status()
        return [Task.model_validate(t) for t in response.json()]

    async def create_task(self, data: Dict[str, Any]) -> Task:
        response = await self.client.post("/tasks", json=data)
        response.raise_for_status()
        return Task.model_validate(response.json())

    async def create_tasks(self, tasks_data: List[Dict[str, Any]]) -> List[Task]:
        return list(await asyncio.gather(*(self.create_task(d) for d in tasks_data)))


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


class Paired:
    """One measure of the baseline (``base``) and the SDK (``ours``): rounds
    interleaved, each a pair whose order alternates (base then ours, ours
    then base, …: ABBA), so the machine's drift and what one side leaves
    behind (its garbage, the caches it evicted) fall on both alike; medians
    of each, and the median of the per-round ratios."""

    def __init__(self, base: Callable[[], Any], ours: Callable[[], Any], rounds: int = ROUNDS, per: int = 1) -> None:
        base()  # warm up
        ours()
        pairs = []
        for round in range(rounds):
            if round % 2 == 0:
                b = timed(base)
                o = timed(ours)
            else:
                o = timed(ours)
                b = timed(base)
            pairs.append((b, o))
        self.base = statistics.median(b for b, _ in pairs) / per
        self.ours = statistics.median(o for _, o in pairs) / per
        self.ratio = statistics.median(b / o for b, o in pairs)


@contextmanager
def server() -> Iterator[str]:
    """The reference server as its own process, as a real server is
    (`TASKQUEUE_SERVER_BIN`, else `target/release/taskqueue-server`); the
    in-process one when there is no binary."""
    default = Path(__file__).resolve().parents[3] / "target" / "release" / "taskqueue-server"
    binary = Path(os.environ.get("TASKQUEUE_SERVER_BIN", default))
    if not binary.is_file():
        with reference_server() as url:
            yield url
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([str(binary), "--addr", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    with server() as url:
        ours = TaskQueueClient(base_url=url)
        base = Baseline(url)
        loop = asyncio.new_event_loop()
        ours_async = AsyncTaskQueueClient(base_url=url)

        def run(coro: Awaitable[Any]) -> Any:
            return loop.run_until_complete(coro)

        project = ours.create_project("bench")
        task = ours.create_task("bench", "cargo test", project.id, description="a task")
        tid = str(task.id)

        # get_task, sync and async: sequential calls.
        get_sync = Paired(
            lambda: [base.get_task_sync(tid) for _ in range(GETS)],
            lambda: [ours.get_task(tid) for _ in range(GETS)],
            per=GETS,
        )

        async def ours_gets() -> None:
            for _ in range(GETS):
                await ours_async.get_task(tid)

        async def base_gets() -> None:
            for _ in range(GETS):
                await base.get_task(tid)

        get_async = Paired(lambda: run(base_gets()), lambda: run(ours_gets()), per=GETS)

        # A listing of 1 000 tasks, as models.
        big = ours.create_project("list1000")
        for start in range(0, 1000, 250):
            ours.create_tasks(
                [{"name": f"t{i}", "command": "true", "project_id": big.id} for i in range(start, start + 250)]
            )
        listing = Paired(
            lambda: base.list_tasks_sync(project_id=str(big.id), limit=1000),
            lambda: ours.list_tasks(project_id=big.id, limit=1000),
        )
        assert len(ours.list_tasks(project_id=big.id, limit=1000)) == 1000
        assert len(base.list_tasks_sync(project_id=str(big.id), limit=1000)) == 1000

        # create_tasks of 500.
        batch_project = ours.create_project("batch")
        data = [{"name": f"b{i}", "command": "true", "project_id": str(batch_project.id)} for i in range(500)]
        batch = Paired(lambda: run(base.create_tasks(data)), lambda: ours.create_tasks(data), rounds=3)

        rows = [
            ("get_task (sync), per call", get_sync),
            ("get_task (async), per call", get_async),
            ("list_tasks of 1 000 as models", listing),
            ("create_tasks of 500", batch),
        ]
        print(f"{'measure':34} {'httpx+pydantic':>16} {'taskqueue':>12} {'ratio':>7}")
        for name, m in rows:
            print(f"{name:34} {m.base * 1000:13.3f} ms {m.ours * 1000:9.3f} ms {m.ratio:6.2f}x")
        get_ratio = min(get_sync.ratio, get_async.ratio)
        print(f"python vs httpx+pydantic: get={get_ratio:.2f} list1000={listing.ratio:.2f} batch500={batch.ratio:.2f}")
        run(base.client.aclose())
        base.sync.close()
        loop.close()


if __name__ == "__main__":
    main()
