"""The public server's recorded answers, replayed: the upstream dialect
reads them into the specified models and exceptions, on both clients."""

from __future__ import annotations

import asyncio
import uuid

import pytest

import taskqueue
from taskqueue import AsyncTaskQueueClient, TaskPriority, TaskQueueClient

from replay import fixtures_dir, replaying

PROJECT = uuid.UUID("90f92073-d0a3-4d9f-b713-4c06876dde15")
TASK = uuid.UUID("e19bb648-a890-496c-baad-35eca3dc90b8")


def client(url: str) -> TaskQueueClient:
    return TaskQueueClient(base_url=url, dialect="upstream", retry_attempts=1)


def test_the_fixtures_are_there() -> None:
    assert (fixtures_dir() / "upstream-exchanges.jsonl").is_file()


def test_a_create_is_acknowledged_then_fetched() -> None:
    with replaying(["create_project", "get_project"]) as (url, seen):
        project = client(url).create_project("demo", description="Demo project")
    assert (project.id, project.name, project.description) == (PROJECT, "demo", "Demo project")
    assert seen == [("POST", "/projects"), ("GET", f"/projects/{PROJECT}")]


def test_reads_become_the_specified_models() -> None:
    with replaying(["get_task", "list_projects", "health"]) as (url, _):
        c = client(url)
        task = c.get_task(TASK)
        projects = c.list_projects()
        health = c.health()
    assert task.id == TASK and task.project_id == PROJECT and isinstance(task.priority, TaskPriority)
    assert [p.id for p in projects] == [PROJECT]
    assert health["status"]


def test_error_answers_become_the_specified_exceptions() -> None:
    missing = uuid.UUID("00000000-0000-4000-8000-000000000000")
    with replaying(["get_task_missing", "delete_task", "delete_task_again"]) as (url, _):
        c = client(url)
        with pytest.raises(taskqueue.TaskNotFoundError) as info:
            c.get_task(missing)
        assert info.value.status_code == 404 and info.value.operation == "get_task"
        deleted = uuid.UUID("8a292bab-e620-4962-a667-b21cc122528b")
        assert c.delete_task(deleted) is True
        assert c.delete_task(deleted) is False


def test_the_async_client_reads_the_same_answers() -> None:
    async def main() -> None:
        with replaying(["get_task", "get_task_missing"]) as (url, _):
            async with AsyncTaskQueueClient(base_url=url, dialect="upstream", retry_attempts=1) as c:
                assert (await c.get_task(TASK)).id == TASK
                with pytest.raises(taskqueue.TaskNotFoundError):
                    await c.get_task(uuid.UUID("00000000-0000-4000-8000-000000000000"))

    asyncio.run(main())
