"""The models as the specification defines them."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

import taskqueue
from taskqueue.models import Task, TaskCreateRequest, TaskFilters, TaskPriority, TaskStatus, TaskType


def test_enums_have_the_specified_members_and_values() -> None:
    assert TaskStatus.AI_REVIEW.value == "AIReview"
    assert TaskStatus("TestCreation") is TaskStatus.TEST_CREATION
    assert [p.value for p in TaskPriority] == ["Low", "Normal", "High", "Critical"]
    assert [t.value for t in TaskType] == ["Simple", "Workflow", "Scheduled"]
    assert TaskStatus("Completed").is_terminal and not TaskStatus.RUNNING.is_terminal


def test_a_task_reads_with_the_specified_defaults() -> None:
    task = Task.model_validate_json(
        b'{"id":"6f1c3e2a-0d4b-4c1a-9e3f-2b7a8c9d0e1f","name":"n","command":"c",'
        b'"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","future_field":1}'
    )
    assert task.id == uuid.UUID("6f1c3e2a-0d4b-4c1a-9e3f-2b7a8c9d0e1f")
    assert (task.status, task.priority, task.task_type) == (TaskStatus.PLANNING, TaskPriority.NORMAL, TaskType.SIMPLE)
    assert (task.retry_attempts, task.retry_delay, task.ai_reviews_required) == (3, 30, 3)
    assert task.created_at == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert task.dependencies == [] and task.metadata == {} and task.phases == []


def test_requests_validate_and_take_enum_values_as_strings() -> None:
    request = TaskCreateRequest(name="build", command="make", project_id=uuid.uuid4(), priority="High")  # type: ignore[arg-type]
    assert request.priority is TaskPriority.HIGH
    with pytest.raises(Exception):
        TaskCreateRequest(name="", command="make", project_id=uuid.uuid4())
    assert TaskFilters().limit == 100 and TaskFilters().offset == 0


def test_the_exception_hierarchy_is_the_specified_one() -> None:
    error = taskqueue.TaskNotFoundError("Task x not found", 404, {"error": "task_not_found"})
    assert str(error) == "[404] Task x not found"
    assert isinstance(error, taskqueue.TaskQueueError)
    assert error.response_data == {"error": "task_not_found"}
    assert str(taskqueue.ConnectionError("refused")) == "refused"
    for cls in (
        taskqueue.ValidationError,
        taskqueue.AuthenticationError,
        taskqueue.AuthorizationError,
        taskqueue.ProjectNotFoundError,
        taskqueue.APIError,
        taskqueue.TimeoutError,
        taskqueue.RateLimitError,
    ):
        assert issubclass(cls, taskqueue.TaskQueueError)


def test_every_core_error_kind_maps_to_one_class() -> None:
    from taskqueue.exceptions import KIND_TO_CLASS, from_core

    error = from_core(("rate_limited", "slow down", 429, '{"error":"rate_limited"}', "r-1", 2.0, "get_task", 3))
    assert type(error) is taskqueue.RateLimitError
    assert (error.status_code, error.retry_after, error.request_id) == (429, 2.0, "r-1")
    assert (error.operation, error.attempts, error.response_data) == ("get_task", 3, {"error": "rate_limited"})
    assert from_core(("decode", "bad", 200, "<html>", None, None, None, None)).response_data == {"body": "<html>"}
    assert all(issubclass(cls, taskqueue.TaskQueueError) for cls in KIND_TO_CLASS.values())


def test_reading_a_listing_leaves_the_collector_as_it_was() -> None:
    import gc

    from taskqueue._calls import _tasks

    body = (
        b'[{"id":"6f1c3e2a-0d4b-4c1a-9e3f-2b7a8c9d0e1f","name":"n","command":"c",'
        b'"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]'
    )
    assert gc.isenabled()
    assert len(_tasks(body)) == 1
    assert gc.isenabled()
    gc.disable()
    try:
        _tasks(body)
        assert not gc.isenabled(), "a collector the program turned off stays off"
    finally:
        gc.enable()
    with pytest.raises(Exception):
        _tasks(b'[{"id": "x"}]')
    assert gc.isenabled(), "on again after a failed read"
