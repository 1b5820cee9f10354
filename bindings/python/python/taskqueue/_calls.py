"""Each client method once: its operation, its arguments as JSON, and how
its answer is read. The two clients run these, blocking or awaited."""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Generic, Iterator, List, Mapping, Optional, Sequence, TypeVar, Union
from uuid import UUID

import pydantic
from pydantic import TypeAdapter

from . import exceptions
from .models import (
    Project,
    ProjectCreateRequest,
    ProjectUpdateRequest,
    Task,
    TaskCreateRequest,
    TaskFilters,
    TaskPriority,
    TaskStatus,
    TaskUpdateRequest,
)

T = TypeVar("T")
Id = Union[str, UUID]

_TASKS: TypeAdapter[List[Task]] = TypeAdapter(List[Task])
_PROJECTS: TypeAdapter[List[Project]] = TypeAdapter(List[Project])


@dataclass(frozen=True)
class Call(Generic[T]):
    """An operation, its JSON arguments, and the reader of its JSON answer."""

    op: str
    args: bytes
    read: Callable[[bytes], T]


@dataclass(frozen=True)
class WaitOutcome:
    """Where one task of a multi-wait stood: ``finished``, ``still_running`` or ``not_found``."""

    outcome: str
    task: Optional[Task] = None
    id: Optional[UUID] = None


@dataclass(frozen=True)
class WaitReport:
    """The outcome of every task of ``wait_all``/``wait_any``, in the order given."""

    outcomes: List[WaitOutcome] = field(default_factory=list)
    first_finished: Optional[int] = None

    @property
    def all_finished(self) -> bool:
        """Whether every task finished."""
        return all(o.outcome == "finished" for o in self.outcomes)


@dataclass(frozen=True)
class WatchEvent:
    """A change a watch saw: ``created``, ``updated``, ``changed`` (a status
    change, ``from_status`` → ``to_status``) or ``deleted`` (only ``id``)."""

    event: str
    task: Optional[Task] = None
    id: Optional[UUID] = None
    from_status: Optional[TaskStatus] = None
    to_status: Optional[TaskStatus] = None


def watch_event(raw: bytes) -> WatchEvent:
    data = json.loads(raw)
    task = Task.model_validate(data["task"]) if "task" in data else None
    return WatchEvent(
        event=data["event"],
        task=task,
        id=UUID(data["id"]) if "id" in data else (task.id if task else None),
        from_status=TaskStatus(data["from"]) if "from" in data else None,
        to_status=TaskStatus(data["to"]) if "to" in data else None,
    )


def follow_args(filters: Mapping[str, Any], **watch: Any) -> bytes:
    """The arguments of a listing walk or a watch."""
    args: Dict[str, Any] = {"filters": _filters(filters)}
    args.update({k: v for k, v in watch.items() if v is not None})
    return json.dumps(args, separators=(",", ":")).encode()


def _call(op: str, args: Mapping[str, Any], read: Callable[[bytes], T]) -> Call[T]:
    return Call(op, json.dumps(args, separators=(",", ":")).encode(), read)


def _id(value: Id, what: str = "task_id") -> str:
    try:
        return str(value if isinstance(value, UUID) else UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise exceptions.ValidationError(f"invalid {what}: {value!r} is not a UUID", kind="invalid_input") from None


def _model(cls: Any, data: Mapping[str, Any]) -> Any:
    try:
        return cls(**data)
    except pydantic.ValidationError as error:
        raise exceptions.ValidationError(
            str(error), response_data={"errors": error.errors(include_url=False)}, kind="invalid_input"
        ) from None


def _dump(model: pydantic.BaseModel) -> Dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


@contextmanager
def _gc_deferred() -> Iterator[None]:
    """Defers the cyclic garbage collector while a listing becomes models.

    Building 1 000 tasks allocates tens of thousands of objects, all of them
    kept: each collection the allocations trigger walks them (and whatever
    the program holds) for nothing. Measured (docs/PERFORMANCE.md, Python):
    a 1 000-task page took 10.2 ms with the collector on and 4.7 ms with it
    deferred, the results of the last five reads kept alive. Collection is
    only postponed to the end of the read, and a collector the program had
    turned off stays off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _task(raw: bytes) -> Task:
    return Task.model_validate_json(raw)


def _tasks(raw: bytes) -> List[Task]:
    with _gc_deferred():
        return _TASKS.validate_json(raw)


def _project(raw: bytes) -> Project:
    return Project.model_validate_json(raw)


def _projects(raw: bytes) -> List[Project]:
    with _gc_deferred():
        return _PROJECTS.validate_json(raw)


def _json(raw: bytes) -> Any:
    return json.loads(raw)


def _bool(raw: bytes) -> bool:
    return bool(json.loads(raw))


def _filters(filters: Mapping[str, Any]) -> Dict[str, Any]:
    return _dump(_model(TaskFilters, filters))


def create_task(name: str, command: str, project_id: Id, **kwargs: Any) -> Call[Task]:
    request = _model(TaskCreateRequest, dict(name=name, command=command, project_id=project_id, **kwargs))
    return _call("create_task", {"request": _dump(request)}, _task)


def get_task(task_id: Id) -> Call[Task]:
    return _call("get_task", {"id": _id(task_id)}, _task)


def list_tasks(filters: Mapping[str, Any]) -> Call[List[Task]]:
    return _call("list_tasks", {"filters": _filters(filters)}, _tasks)


def update_task(task_id: Id, updates: Mapping[str, Any]) -> Call[Task]:
    update = _model(TaskUpdateRequest, updates)
    return _call("update_task", {"id": _id(task_id), "update": _dump(update)}, _task)


def cancel_task(task_id: Id, reason: Optional[str] = None) -> Call[Task]:
    return _call("cancel_task", {"id": _id(task_id), "reason": reason}, _task)


def delete_task(task_id: Id) -> Call[bool]:
    return _call("delete_task", {"id": _id(task_id)}, _bool)


def create_project(name: str, **kwargs: Any) -> Call[Project]:
    request = _model(ProjectCreateRequest, dict(name=name, **kwargs))
    return _call("create_project", {"request": _dump(request)}, _project)


def get_project(project_id: Id) -> Call[Project]:
    return _call("get_project", {"id": _id(project_id, "project_id")}, _project)


def list_projects() -> Call[List[Project]]:
    return _call("list_projects", {}, _projects)


def update_project(project_id: Id, updates: Mapping[str, Any]) -> Call[Project]:
    update = _model(ProjectUpdateRequest, updates)
    return _call("update_project", {"id": _id(project_id, "project_id"), "update": _dump(update)}, _project)


def delete_project(project_id: Id) -> Call[bool]:
    return _call("delete_project", {"id": _id(project_id, "project_id")}, _bool)


def health() -> Call[Dict[str, Any]]:
    return _call("health", {}, _json)


def _batch(raw: bytes) -> List[Task]:
    items = json.loads(raw)
    results: List[Union[Task, exceptions.TaskQueueError]] = [
        Task.model_validate(item["task"]) if "task" in item else exceptions.from_core(item["error"]) for item in items
    ]
    failed = [r for r in results if isinstance(r, exceptions.TaskQueueError)]
    if failed:
        first = failed[0]
        first.results = results  # type: ignore[attr-defined]
        first.message = f"{len(failed)} of {len(results)} tasks were not created; the first: {first.message}"
        raise first
    return [r for r in results if isinstance(r, Task)]


def create_tasks(tasks_data: Sequence[Mapping[str, Any]]) -> Call[List[Task]]:
    requests = []
    for index, data in enumerate(tasks_data):
        try:
            requests.append(_dump(TaskCreateRequest(**data)))
        except pydantic.ValidationError as error:
            raise exceptions.ValidationError(
                f"tasks[{index}]: {error}", response_data={"index": index}, kind="invalid_input"
            ) from None
    return _call("create_tasks", {"requests": requests}, _batch)


def wait_for_completion(task_id: Id, timeout: float = 300) -> Call[Task]:
    return _call("wait_for_completion", {"id": _id(task_id), "timeout": float(timeout)}, _task)


def _report(raw: bytes) -> WaitReport:
    data = json.loads(raw)
    outcomes = [
        WaitOutcome(
            outcome=o["outcome"],
            task=Task.model_validate(o["task"]) if "task" in o else None,
            id=UUID(o["id"]) if "id" in o else None,
        )
        for o in data["outcomes"]
    ]
    return WaitReport(outcomes=outcomes, first_finished=data.get("first_finished"))


def wait_all(task_ids: Sequence[Id], timeout: float = 300) -> Call[WaitReport]:
    return _call("wait_all", {"ids": [_id(i) for i in task_ids], "timeout": float(timeout)}, _report)


def wait_any(task_ids: Sequence[Id], timeout: float = 300) -> Call[WaitReport]:
    return _call("wait_any", {"ids": [_id(i) for i in task_ids], "timeout": float(timeout)}, _report)


def get_task_status(task_id: Id) -> Call[TaskStatus]:
    return _call("get_task_status", {"id": _id(task_id)}, lambda raw: TaskStatus(json.loads(raw)))


def get_task_result(task_id: Id) -> Call[Optional[Dict[str, Any]]]:
    return _call("get_task_result", {"id": _id(task_id)}, _json)


def retry_task(task_id: Id, reset_retry_count: bool = False) -> Call[Task]:
    return _call("retry_task", {"id": _id(task_id), "reset_retry_count": reset_retry_count}, _task)


def set_task_priority(task_id: Id, priority: Union[TaskPriority, str]) -> Call[Task]:
    return _call("set_task_priority", {"id": _id(task_id), "priority": TaskPriority(priority).value}, _task)


def set_task_status(task_id: Id, status: Union[TaskStatus, str]) -> Call[Task]:
    return _call("set_task_status", {"id": _id(task_id), "status": TaskStatus(status).value}, _task)


def advance_phase(task_id: Id) -> Call[Dict[str, Any]]:
    return _call("advance_phase", {"id": _id(task_id)}, _json)


def list_dependencies(task_id: Id) -> Call[List[Dict[str, Any]]]:
    return _call("list_dependencies", {"id": _id(task_id)}, _json)


def add_dependency(
    task_id: Id, depends_on: Id, condition: str = "Success", required: bool = True
) -> Call[List[Dict[str, Any]]]:
    dependency = {"depends_on": _id(depends_on, "depends_on"), "condition": condition, "required": required}
    return _call("add_dependency", {"id": _id(task_id), "dependency": dependency}, _json)


def list_correlations(task_id: Id) -> Call[List[str]]:
    return _call("list_correlations", {"id": _id(task_id)}, _json)


def server_stats() -> Call[Dict[str, Any]]:
    return _call("server_stats", {}, _json)


def server_metrics() -> Call[Dict[str, Any]]:
    return _call("server_metrics", {}, _json)


def list_workflows() -> Call[List[Dict[str, Any]]]:
    return _call("list_workflows", {}, _json)


def get_workflow(workflow_id: Id) -> Call[Dict[str, Any]]:
    return _call("get_workflow", {"id": _id(workflow_id, "workflow_id")}, _json)


def get_workflow_status(workflow_id: Id) -> Call[str]:
    return _call("get_workflow_status", {"id": _id(workflow_id, "workflow_id")}, _json)
