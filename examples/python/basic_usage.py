"""Basic usage of the Task Queue SDK for Python (``pip install ./bindings/python``).

Runs against ``TASKQUEUE_BASE_URL`` if set, else against the reference
server started in-process. The same calls, blocking and with asyncio.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import ExitStack

from taskqueue import AsyncTaskQueueClient, TaskNotFoundError, TaskPriority, TaskQueueClient, TaskStatus
from taskqueue.testing import reference_server


def blocking(base_url: str) -> None:
    with TaskQueueClient(base_url=base_url, timeout=10.0, retry_attempts=3) as client:
        project = client.create_project("website", description="the company site")
        task = client.create_task("build", "make site", project.id, priority=TaskPriority.HIGH)
        print(f"created {task.name} ({task.id}), {task.status.value}")
        done = client.wait_for_completion(task.id, timeout=60)
        print(f"{done.name} is {done.status.value}")
        batch = client.create_tasks(
            [{"name": f"page-{n}", "command": f"render {n}", "project_id": project.id} for n in range(3)]
        )
        report = client.wait_all([t.id for t in batch], timeout=60)
        print(f"{len(report.outcomes)} pages, all finished: {report.all_finished}")
        for t in client.list_tasks(project_id=project.id, status=TaskStatus.COMPLETED):
            print(f"  {t.name}: {t.status.value}")
        try:
            client.get_task("00000000-0000-4000-8000-000000000000")
        except TaskNotFoundError as error:
            print(f"as expected: {error} (request id {error.request_id})")


async def with_asyncio(base_url: str) -> None:
    async with AsyncTaskQueueClient(base_url=base_url) as client:
        project = await client.create_project("async-site")
        tasks = await asyncio.gather(*(client.create_task(f"t{n}", "true", project.id) for n in range(5)))
        finished = await asyncio.gather(*(client.wait_for_completion(t.id, timeout=60) for t in tasks))
        print(f"asyncio: {sum(t.status is TaskStatus.COMPLETED for t in finished)} of {len(finished)} completed")


def main() -> None:
    with ExitStack() as stack:
        base_url = os.environ.get("TASKQUEUE_BASE_URL") or stack.enter_context(reference_server(complete_after=0.2))
        blocking(base_url)
        asyncio.run(with_asyncio(base_url))


if __name__ == "__main__":
    main()
