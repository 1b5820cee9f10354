"""Every client method, on both clients, against the reference server in
both dialects."""

from __future__ import annotations

import asyncio
import uuid
import pytest

import taskqueue
from taskqueue import AsyncTaskQueueClient, Project, Task, TaskPriority, TaskQueueClient, TaskStatus

def test_sync_client_every_documented_method(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        assert client.health()["status"]
        project = client.create_project(f"sync-{dialect}", description="d")
        assert isinstance(project, Project) and project.name == f"sync-{dialect}"
        assert client.get_project(str(project.id)).id == project.id
        assert any(p.id == project.id for p in client.list_projects())
        assert client.update_project(project.id, description="changed").description == "changed"

        task = client.create_task("build", "make", project.id, priority=TaskPriority.HIGH, description="x")
        assert isinstance(task, Task) and task.priority is TaskPriority.HIGH and task.project_id == project.id
        assert client.get_task(task.id).name == "build"
        listed = client.list_tasks(project_id=project.id)
        assert [t.id for t in listed] == [task.id]
        assert client.update_task(task.id, description="renamed").description == "renamed"
        done = client.wait_for_completion(task.id, timeout=20)
        assert done.status is TaskStatus.COMPLETED

        other = client.create_task("long", "sleep 1000", project.id)
        assert client.cancel_task(other.id).status is TaskStatus.CANCELLED

        created = client.create_tasks(
            [{"name": f"t{i}", "command": "true", "project_id": project.id, "priority": "Low"} for i in range(5)]
        )
        assert [t.name for t in created] == [f"t{i}" for i in range(5)]
        report = client.wait_all([t.id for t in created], timeout=20)
        assert report.all_finished and len(report.outcomes) == 5
        first = client.wait_any([t.id for t in created], timeout=20)
        assert first.first_finished is not None

        every = list(client.list_tasks_all(project_id=project.id))
        assert len(every) == 7
        assert client.delete_task(task.id) is True
        assert client.delete_task(task.id) is False
        for t in every:
            client.delete_task(t.id)
        assert client.delete_project(project.id) is True
        assert client.delete_project(project.id) is False


@pytest.mark.asyncio
async def test_async_client_every_documented_method(server: str, dialect: str) -> None:
    async with AsyncTaskQueueClient(base_url=server, dialect=dialect) as client:
        assert (await client.health())["status"]
        project = await client.create_project(f"async-{dialect}")
        assert (await client.get_project(project.id)).name == project.name
        assert any(p.id == project.id for p in await client.list_projects())
        assert (await client.update_project(project.id, description="d2")).description == "d2"
        task = await client.create_task("build", "make", str(project.id), priority="Critical")
        assert task.priority is TaskPriority.CRITICAL
        assert (await client.get_task(task.id)).id == task.id
        assert [t.id for t in await client.list_tasks(project_id=project.id)] == [task.id]
        assert (await client.update_task(task.id, name="b2")).name == "b2"
        assert (await client.wait_for_completion(task.id, timeout=20)).status is TaskStatus.COMPLETED
        other = await client.create_task("long", "sleep 1000", project.id)
        assert (await client.cancel_task(other.id)).status is TaskStatus.CANCELLED
        created = await client.create_tasks([{"name": "a", "command": "true", "project_id": project.id}])
        report = await client.wait_all([created[0].id], timeout=20)
        assert report.all_finished
        assert len([t async for t in client.list_tasks_all(project_id=project.id)]) == 3
        # Many calls at once on one loop.
        fetched = await asyncio.gather(*(client.get_task(task.id) for _ in range(20)))
        assert {t.id for t in fetched} == {task.id}
        assert await client.delete_task(task.id) is True
        assert await client.delete_task(task.id) is False


def test_ids_are_taken_as_str_or_uuid_and_bad_ones_are_refused_before_sending(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        with pytest.raises(taskqueue.TaskNotFoundError):
            client.get_task(uuid.uuid4())
        with pytest.raises(taskqueue.TaskNotFoundError):
            client.get_task(str(uuid.uuid4()))
        with pytest.raises(taskqueue.ValidationError, match="not a UUID"):
            client.get_task("not-an-id")


def test_the_sync_client_works_from_threads(server: str, dialect: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        project = client.create_project("threads")
        task = client.create_task("t", "true", project.id)
        with ThreadPoolExecutor(8) as pool:
            names = list(pool.map(lambda _: client.get_task(task.id).name, range(64)))
        assert names == ["t"] * 64


def test_upstream_only_endpoints(dialect: str, server: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        project = client.create_project("extras")
        task = client.create_task("x", "sleep 1000", project.id)
        if dialect == "spec":
            with pytest.raises(taskqueue.APIError) as info:
                client.get_task_status(task.id)
            assert info.value.kind == "unsupported"
            return
        assert isinstance(client.get_task_status(task.id), TaskStatus)
        assert client.set_task_priority(task.id, "Critical").priority is TaskPriority.CRITICAL
        assert client.server_stats()
        other = client.create_task("y", "true", project.id)
        deps = client.add_dependency(task.id, other.id)
        assert len(client.list_dependencies(task.id)) == len(deps) == 1
        assert isinstance(client.list_correlations(task.id), list)
        assert isinstance(client.list_workflows(), list)



def test_watching_from_python_sees_creates_changes_and_deletes(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        project = client.create_project(f"watch-{dialect}")
        first = client.create_task("first", "true", project.id)
        events = client.watch(project_id=project.id, timeout=30, interval=0.1, max_interval=0.2)
        created = next(events)
        assert created.event == "created" and created.task is not None and created.task.id == first.id
        seen = [next(events)]
        while seen[-1].event != "changed":
            seen.append(next(events))
        assert seen[-1].to_status is TaskStatus.COMPLETED and seen[-1].id == first.id
        client.delete_task(first.id)
        while True:
            event = next(events)
            if event.event == "deleted":
                assert event.id == first.id
                break
        events.close()  # stops following


@pytest.mark.asyncio
async def test_watching_and_walking_with_asyncio(server: str, dialect: str) -> None:
    async with AsyncTaskQueueClient(base_url=server, dialect=dialect) as client:
        project = await client.create_project(f"awatch-{dialect}")
        created = await client.create_tasks(
            [{"name": f"w{i}", "command": "true", "project_id": project.id} for i in range(150)]
        )
        walked = [t.id async for t in client.list_tasks_all(project_id=project.id)]
        assert sorted(walked) == sorted(t.id for t in created), "every page, each task once"
        events = client.watch(project_id=project.id, timeout=1, interval=0.1)
        names = [e.event async for e in events]
        assert names.count("created") == 150, names[:5]


def test_a_walk_reads_page_by_page_and_stops_when_left(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        project = client.create_project(f"walk-{dialect}")
        client.create_tasks([{"name": f"p{i}", "command": "true", "project_id": project.id} for i in range(250)])
        walk = client.list_tasks_all(project_id=project.id)
        first = [next(walk) for _ in range(10)]
        assert len({t.id for t in first}) == 10
        walk.close()
        assert len(list(client.list_tasks_all(project_id=project.id))) == 250


def test_a_walk_holds_one_page_not_the_listing() -> None:
    import tracemalloc

    from taskqueue.testing import reference_server

    with reference_server() as url, TaskQueueClient(base_url=url) as client:
        project = client.create_project("flat")
        for start in range(0, 1500, 250):
            client.create_tasks(
                [{"name": f"f{i}", "command": "true", "project_id": project.id} for i in range(start, start + 250)]
            )
        tracemalloc.start()
        try:
            count = 0
            for _ in client.list_tasks_all(project_id=project.id):
                count += 1
            _, walked_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            everything = list(client.list_tasks_all(project_id=project.id))
            _, held_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert count == len(everything) == 1500
        # Walking keeps at most a task at a time in Python (pages stay in Rust).
        assert walked_peak * 5 < held_peak, (walked_peak, held_peak)


def test_a_view_with_options_keeps_the_client_and_its_type(server: str, dialect: str) -> None:
    with TaskQueueClient(base_url=server, dialect=dialect) as client:
        view = client.with_options(timeout=5, idempotency_key=None)
        assert type(view) is TaskQueueClient and view._core is client._core
        assert view.health()["status"]
    aclient = AsyncTaskQueueClient(base_url=server, dialect=dialect)
    assert type(aclient.with_options(deadline=10)) is AsyncTaskQueueClient
