"""The two clients of the original specification, on the Rust core:
``AsyncTaskQueueClient`` (asyncio) and ``TaskQueueClient`` (blocking, no
event loop needed, usable from threads). Both release the GIL while a call
runs; cancelling an awaited call aborts it."""

from __future__ import annotations

import copy
from typing import Any, AsyncGenerator, Dict, Generator, List, Mapping, Optional, Sequence, TypeVar, Union

import pydantic

from . import _calls, _core, exceptions
from ._calls import Call, Id, WaitReport, WatchEvent
from .models import Project, Task, TaskPriority, TaskStatus

__all__ = ["AsyncTaskQueueClient", "TaskQueueClient", "WaitReport", "WatchEvent"]

T = TypeVar("T")
S = TypeVar("S", bound="_Settings")


def _read(call: Call[T], raw: bytes) -> T:
    """The answer as models; one that does not fit them is an ``APIError``
    of kind ``decode``, as the Rust core reports its own."""
    try:
        return call.read(raw)
    except pydantic.ValidationError as error:
        raise exceptions.APIError(
            f"could not decode the answer to {call.op}: {error}",
            response_data={"body": raw[:2048].decode("utf-8", "replace")},
            kind="decode",
            operation=call.op,
        ) from None


class _Settings:
    """What both clients take, as the specification names it, plus what the
    Rust ``Config`` has (``token``, ``api_key``, ``dialect``)."""

    def __init__(
        self,
        base_url: str = "http://localhost:8080",
        timeout: float = 30.0,
        headers: Optional[Dict[str, str]] = None,
        max_connections: int = 100,
        max_keepalive_connections: int = 20,
        retry_attempts: int = 3,
        retry_backoff: float = 1.0,
        *,
        token: Optional[str] = None,
        api_key: Optional[str] = None,
        dialect: str = "spec",
    ) -> None:
        try:
            self._core = _core.Core(
                base_url,
                float(timeout),
                list((headers or {}).items()),
                int(max_connections),
                int(max_keepalive_connections),
                int(retry_attempts),
                float(retry_backoff),
                token,
                api_key,
                dialect,
            )
        except _core.CoreError as error:
            raise exceptions.from_core(error.args) from None
        self._options: Optional[Dict[str, Any]] = None

    def with_options(
        self: S, *, timeout: Optional[float] = None, deadline: Optional[float] = None, idempotency_key: Optional[str] = None
    ) -> S:
        """A view whose calls use a per-attempt ``timeout``, a ``deadline`` for
        the whole call (seconds), or an idempotency key for its next write."""
        view = copy.copy(self)
        view._options = {"timeout": timeout, "deadline": deadline, "idempotency_key": idempotency_key}
        return view


class TaskQueueClient(_Settings):
    """The blocking client: every call runs in Rust with the GIL released."""

    def __enter__(self) -> "TaskQueueClient":
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: connections close when the client is collected."""

    def _run(self, call: Call[T]) -> T:
        try:
            raw = self._core.call(call.op, call.args, self._options)
        except _core.CoreError as error:
            raise exceptions.from_core(error.args) from None
        return _read(call, raw)

    def list_tasks_all(self, **filters: Any) -> Generator[Task, None, None]:
        """Every task matching the filters, over every page, each read as
        the iteration reaches it (one page in memory, not the listing)."""
        for raw in self._follow("list_tasks_all", _calls.follow_args(filters)):
            yield _calls._task(raw)

    def watch(
        self,
        *,
        timeout: Optional[float] = None,
        skip_existing: bool = False,
        interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        **filters: Any,
    ) -> Generator[WatchEvent, None, None]:
        """Follows the tasks matching the filters: an event for each task
        created, changed or deleted, until ``timeout`` seconds (or forever).
        Rounds come every ``interval`` seconds at first, backing off to
        ``max_interval`` while nothing changes."""
        args = _calls.follow_args(
            filters, timeout=timeout, skip_existing=skip_existing, interval=interval, max_interval=max_interval
        )
        for raw in self._follow("watch", args):
            yield _calls.watch_event(raw)

    def _follow(self, op: str, args: bytes) -> Generator[bytes, None, None]:
        try:
            cursor = self._core.open(op, args)
        except _core.CoreError as error:
            raise exceptions.from_core(error.args) from None
        try:
            while True:
                try:
                    raw = cursor.next()
                except _core.CoreError as error:
                    raise exceptions.from_core(error.args) from None
                if raw is None:
                    return
                yield raw
        finally:
            cursor.close()

    def create_task(self, name: str, command: str, project_id: Id, **kwargs: Any) -> Task:
        """Creates a task; ``kwargs`` are the other fields of ``TaskCreateRequest``."""
        return self._run(_calls.create_task(name, command, project_id, **kwargs))

    def get_task(self, task_id: Id) -> Task:
        """Fetches a task; ``TaskNotFoundError`` if there is none."""
        return self._run(_calls.get_task(task_id))

    def list_tasks(self, **filters: Any) -> List[Task]:
        """One page of tasks matching the filters of ``TaskFilters`` (``limit`` 100 by default)."""
        return self._run(_calls.list_tasks(filters))

    def update_task(self, task_id: Id, **updates: Any) -> Task:
        """Changes the fields given (those of ``TaskUpdateRequest``)."""
        return self._run(_calls.update_task(task_id, updates))

    def cancel_task(self, task_id: Id, reason: Optional[str] = None) -> Task:
        """Cancels a task; ``APIError`` (kind ``conflict``) if it already finished."""
        return self._run(_calls.cancel_task(task_id, reason))

    def delete_task(self, task_id: Id) -> bool:
        """Deletes a task: ``True`` if deleted, ``False`` if there was none."""
        return self._run(_calls.delete_task(task_id))

    def create_project(self, name: str, **kwargs: Any) -> Project:
        """Creates a project."""
        return self._run(_calls.create_project(name, **kwargs))

    def get_project(self, project_id: Id) -> Project:
        """Fetches a project; ``ProjectNotFoundError`` if there is none."""
        return self._run(_calls.get_project(project_id))

    def list_projects(self) -> List[Project]:
        """Every project, oldest first."""
        return self._run(_calls.list_projects())

    def update_project(self, project_id: Id, **updates: Any) -> Project:
        """Changes the fields given (those of ``ProjectUpdateRequest``)."""
        return self._run(_calls.update_project(project_id, updates))

    def delete_project(self, project_id: Id) -> bool:
        """Deletes a project: ``True`` if deleted, ``False`` if there was none."""
        return self._run(_calls.delete_project(project_id))

    def health(self) -> Dict[str, Any]:
        """The server's health answer."""
        return self._run(_calls.health())

    def create_tasks(self, tasks_data: Sequence[Mapping[str, Any]]) -> List[Task]:
        """Creates many tasks, several in flight at once; every item is validated first. If some fail, the first failure is raised with ``results`` (a task or an exception per item, in order)."""
        return self._run(_calls.create_tasks(tasks_data))

    def wait_for_completion(self, task_id: Id, timeout: float = 300) -> Task:
        """Polls a task until its status is terminal; ``TimeoutError`` after ``timeout`` seconds."""
        return self._run(_calls.wait_for_completion(task_id, timeout))

    def wait_all(self, task_ids: Sequence[Id], timeout: float = 300) -> WaitReport:
        """Waits until every task is finished; ``TimeoutError`` after ``timeout`` seconds."""
        return self._run(_calls.wait_all(task_ids, timeout))

    def wait_any(self, task_ids: Sequence[Id], timeout: float = 300) -> WaitReport:
        """Waits until the first task is finished; ``TimeoutError`` after ``timeout`` seconds."""
        return self._run(_calls.wait_any(task_ids, timeout))

    def get_task_status(self, task_id: Id) -> TaskStatus:
        """The status the server stores for a task (upstream dialect)."""
        return self._run(_calls.get_task_status(task_id))

    def get_task_result(self, task_id: Id) -> Optional[Dict[str, Any]]:
        """A task's result, ``None`` while it has none (upstream dialect)."""
        return self._run(_calls.get_task_result(task_id))

    def retry_task(self, task_id: Id, reset_retry_count: bool = False) -> Task:
        """Queues a task again (upstream dialect)."""
        return self._run(_calls.retry_task(task_id, reset_retry_count))

    def set_task_priority(self, task_id: Id, priority: Union[TaskPriority, str]) -> Task:
        """Changes a task's priority (upstream dialect)."""
        return self._run(_calls.set_task_priority(task_id, priority))

    def set_task_status(self, task_id: Id, status: Union[TaskStatus, str]) -> Task:
        """Sets a task's status (upstream dialect)."""
        return self._run(_calls.set_task_status(task_id, status))

    def advance_phase(self, task_id: Id) -> Dict[str, Any]:
        """Moves a task to its next phase (upstream dialect)."""
        return self._run(_calls.advance_phase(task_id))

    def list_dependencies(self, task_id: Id) -> List[Dict[str, Any]]:
        """A task's dependencies (upstream dialect)."""
        return self._run(_calls.list_dependencies(task_id))

    def add_dependency(self, task_id: Id, depends_on: Id, condition: str = "Success", required: bool = True) -> List[Dict[str, Any]]:
        """Adds a dependency, refusing a cycle (upstream dialect)."""
        return self._run(_calls.add_dependency(task_id, depends_on, condition, required))

    def list_correlations(self, task_id: Id) -> List[str]:
        """The correlation ids of a task's dependencies (upstream dialect)."""
        return self._run(_calls.list_correlations(task_id))

    def list_workflows(self) -> List[Dict[str, Any]]:
        """Every workflow (upstream dialect)."""
        return self._run(_calls.list_workflows())

    def get_workflow(self, workflow_id: Id) -> Dict[str, Any]:
        """A workflow (upstream dialect)."""
        return self._run(_calls.get_workflow(workflow_id))

    def get_workflow_status(self, workflow_id: Id) -> str:
        """A workflow's status (upstream dialect)."""
        return self._run(_calls.get_workflow_status(workflow_id))

    def server_stats(self) -> Dict[str, Any]:
        """The server's task and workflow counts (upstream dialect)."""
        return self._run(_calls.server_stats())

    def server_metrics(self) -> Dict[str, Any]:
        """The server's metrics (upstream dialect)."""
        return self._run(_calls.server_metrics())


class AsyncTaskQueueClient(_Settings):
    """The asyncio client: each call is an awaitable of the running loop
    that never blocks it; cancelling the awaiting task aborts the call."""

    async def __aenter__(self) -> "AsyncTaskQueueClient":
        return self

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Nothing to release: connections close when the client is collected."""

    async def _run(self, call: Call[T]) -> T:
        try:
            raw = await self._core.call_async(call.op, call.args, self._options)
        except _core.CoreError as error:
            raise exceptions.from_core(error.args) from None
        return _read(call, raw)

    async def list_tasks_all(self, **filters: Any) -> AsyncGenerator[Task, None]:
        """Every task matching the filters, over every page, each read as
        the iteration reaches it (one page in memory, not the listing)."""
        async for raw in self._follow("list_tasks_all", _calls.follow_args(filters)):
            yield _calls._task(raw)

    async def watch(
        self,
        *,
        timeout: Optional[float] = None,
        skip_existing: bool = False,
        interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        **filters: Any,
    ) -> AsyncGenerator[WatchEvent, None]:
        """Follows the tasks matching the filters, as the blocking client's
        ``watch`` does, as an async iterator."""
        args = _calls.follow_args(
            filters, timeout=timeout, skip_existing=skip_existing, interval=interval, max_interval=max_interval
        )
        async for raw in self._follow("watch", args):
            yield _calls.watch_event(raw)

    async def _follow(self, op: str, args: bytes) -> AsyncGenerator[bytes, None]:
        try:
            cursor = self._core.open_async(op, args)
        except _core.CoreError as error:
            raise exceptions.from_core(error.args) from None
        while True:
            try:
                raw = await cursor.next()
            except _core.CoreError as error:
                raise exceptions.from_core(error.args) from None
            if not raw:
                return
            yield raw

    async def create_task(self, name: str, command: str, project_id: Id, **kwargs: Any) -> Task:
        """Creates a task; ``kwargs`` are the other fields of ``TaskCreateRequest``."""
        return await self._run(_calls.create_task(name, command, project_id, **kwargs))

    async def get_task(self, task_id: Id) -> Task:
        """Fetches a task; ``TaskNotFoundError`` if there is none."""
        return await self._run(_calls.get_task(task_id))

    async def list_tasks(self, **filters: Any) -> List[Task]:
        """One page of tasks matching the filters of ``TaskFilters`` (``limit`` 100 by default)."""
        return await self._run(_calls.list_tasks(filters))

    async def update_task(self, task_id: Id, **updates: Any) -> Task:
        """Changes the fields given (those of ``TaskUpdateRequest``)."""
        return await self._run(_calls.update_task(task_id, updates))

    async def cancel_task(self, task_id: Id, reason: Optional[str] = None) -> Task:
        """Cancels a task; ``APIError`` (kind ``conflict``) if it already finished."""
        return await self._run(_calls.cancel_task(task_id, reason))

    async def delete_task(self, task_id: Id) -> bool:
        """Deletes a task: ``True`` if deleted, ``False`` if there was none."""
        return await self._run(_calls.delete_task(task_id))

    async def create_project(self, name: str, **kwargs: Any) -> Project:
        """Creates a project."""
        return await self._run(_calls.create_project(name, **kwargs))

    async def get_project(self, project_id: Id) -> Project:
        """Fetches a project; ``ProjectNotFoundError`` if there is none."""
        return await self._run(_calls.get_project(project_id))

    async def list_projects(self) -> List[Project]:
        """Every project, oldest first."""
        return await self._run(_calls.list_projects())

    async def update_project(self, project_id: Id, **updates: Any) -> Project:
        """Changes the fields given (those of ``ProjectUpdateRequest``)."""
        return await self._run(_calls.update_project(project_id, updates))

    async def delete_project(self, project_id: Id) -> bool:
        """Deletes a project: ``True`` if deleted, ``False`` if there was none."""
        return await self._run(_calls.delete_project(project_id))

    async def health(self) -> Dict[str, Any]:
        """The server's health answer."""
        return await self._run(_calls.health())

    async def create_tasks(self, tasks_data: Sequence[Mapping[str, Any]]) -> List[Task]:
        """Creates many tasks, several in flight at once; every item is validated first. If some fail, the first failure is raised with ``results`` (a task or an exception per item, in order)."""
        return await self._run(_calls.create_tasks(tasks_data))

    async def wait_for_completion(self, task_id: Id, timeout: float = 300) -> Task:
        """Polls a task until its status is terminal; ``TimeoutError`` after ``timeout`` seconds."""
        return await self._run(_calls.wait_for_completion(task_id, timeout))

    async def wait_all(self, task_ids: Sequence[Id], timeout: float = 300) -> WaitReport:
        """Waits until every task is finished; ``TimeoutError`` after ``timeout`` seconds."""
        return await self._run(_calls.wait_all(task_ids, timeout))

    async def wait_any(self, task_ids: Sequence[Id], timeout: float = 300) -> WaitReport:
        """Waits until the first task is finished; ``TimeoutError`` after ``timeout`` seconds."""
        return await self._run(_calls.wait_any(task_ids, timeout))

    async def get_task_status(self, task_id: Id) -> TaskStatus:
        """The status the server stores for a task (upstream dialect)."""
        return await self._run(_calls.get_task_status(task_id))

    async def get_task_result(self, task_id: Id) -> Optional[Dict[str, Any]]:
        """A task's result, ``None`` while it has none (upstream dialect)."""
        return await self._run(_calls.get_task_result(task_id))

    async def retry_task(self, task_id: Id, reset_retry_count: bool = False) -> Task:
        """Queues a task again (upstream dialect)."""
        return await self._run(_calls.retry_task(task_id, reset_retry_count))

    async def set_task_priority(self, task_id: Id, priority: Union[TaskPriority, str]) -> Task:
        """Changes a task's priority (upstream dialect)."""
        return await self._run(_calls.set_task_priority(task_id, priority))

    async def set_task_status(self, task_id: Id, status: Union[TaskStatus, str]) -> Task:
        """Sets a task's status (upstream dialect)."""
        return await self._run(_calls.set_task_status(task_id, status))

    async def advance_phase(self, task_id: Id) -> Dict[str, Any]:
        """Moves a task to its next phase (upstream dialect)."""
        return await self._run(_calls.advance_phase(task_id))

    async def list_dependencies(self, task_id: Id) -> List[Dict[str, Any]]:
        """A task's dependencies (upstream dialect)."""
        return await self._run(_calls.list_dependencies(task_id))

    async def add_dependency(self, task_id: Id, depends_on: Id, condition: str = "Success", required: bool = True) -> List[Dict[str, Any]]:
        """Adds a dependency, refusing a cycle (upstream dialect)."""
        return await self._run(_calls.add_dependency(task_id, depends_on, condition, required))

    async def list_correlations(self, task_id: Id) -> List[str]:
        """The correlation ids of a task's dependencies (upstream dialect)."""
        return await self._run(_calls.list_correlations(task_id))

    async def list_workflows(self) -> List[Dict[str, Any]]:
        """Every workflow (upstream dialect)."""
        return await self._run(_calls.list_workflows())

    async def get_workflow(self, workflow_id: Id) -> Dict[str, Any]:
        """A workflow (upstream dialect)."""
        return await self._run(_calls.get_workflow(workflow_id))

    async def get_workflow_status(self, workflow_id: Id) -> str:
        """A workflow's status (upstream dialect)."""
        return await self._run(_calls.get_workflow_status(workflow_id))

    async def server_stats(self) -> Dict[str, Any]:
        """The server's task and workflow counts (upstream dialect)."""
        return await self._run(_calls.server_stats())

    async def server_metrics(self) -> Dict[str, Any]:
        """The server's metrics (upstream dialect)."""
        return await self._run(_calls.server_metrics())
