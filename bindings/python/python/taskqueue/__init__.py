"""``taskqueue``: the Task Queue SDK for Python, on the Rust core.

The original specification's API: ``AsyncTaskQueueClient``,
``TaskQueueClient``, the models in ``taskqueue.models`` and the exceptions
in ``taskqueue.exceptions``; ``taskqueue.testing`` starts the reference
server for tests.
"""

from . import exceptions, models
from ._calls import WaitOutcome, WaitReport, WatchEvent
from .client import AsyncTaskQueueClient, TaskQueueClient
from .exceptions import (
    APIError,
    AuthenticationError,
    AuthorizationError,
    ConnectionError,
    ProjectNotFoundError,
    RateLimitError,
    TaskNotFoundError,
    TaskQueueError,
    TimeoutError,
    ValidationError,
)
from .models import (
    DevelopmentWorkflow,
    Project,
    ProjectCreateRequest,
    ProjectUpdateRequest,
    Task,
    TaskCreateRequest,
    TaskFilters,
    TaskPhase,
    TaskPriority,
    TaskStatus,
    TaskType,
    TaskUpdateRequest,
)

__all__ = [
    "AsyncTaskQueueClient",
    "TaskQueueClient",
    "WaitOutcome",
    "WaitReport",
    "WatchEvent",
    "exceptions",
    "models",
    "APIError",
    "AuthenticationError",
    "AuthorizationError",
    "ConnectionError",
    "ProjectNotFoundError",
    "RateLimitError",
    "TaskNotFoundError",
    "TaskQueueError",
    "TimeoutError",
    "ValidationError",
    "DevelopmentWorkflow",
    "Project",
    "ProjectCreateRequest",
    "ProjectUpdateRequest",
    "Task",
    "TaskCreateRequest",
    "TaskFilters",
    "TaskPhase",
    "TaskPriority",
    "TaskStatus",
    "TaskType",
    "TaskUpdateRequest",
]
