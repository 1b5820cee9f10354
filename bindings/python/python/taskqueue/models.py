"""The data the Task Queue API exchanges, as the original specification
defines it: pydantic v2 models and ``str`` enums (its ADR 2)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, Dict, List, Optional
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "TaskStatus",
    "TaskPriority",
    "TaskType",
    "TaskPhase",
    "DevelopmentWorkflow",
    "Task",
    "Project",
    "TaskCreateRequest",
    "TaskUpdateRequest",
    "ProjectCreateRequest",
    "ProjectUpdateRequest",
    "TaskFilters",
]


class TaskStatus(str, Enum):
    """A task's status, and its development phases."""

    PLANNING = "Planning"
    IMPLEMENTATION = "Implementation"
    TEST_CREATION = "TestCreation"
    TESTING = "Testing"
    AI_REVIEW = "AIReview"
    FINALIZED = "Finalized"
    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"

    @property
    def is_terminal(self) -> bool:
        """``Completed``, ``Failed``, ``Cancelled`` or ``Finalized``."""
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED, TaskStatus.FINALIZED)


class TaskPriority(str, Enum):
    """How urgent a task is."""

    LOW = "Low"
    NORMAL = "Normal"
    HIGH = "High"
    CRITICAL = "Critical"


class TaskType(str, Enum):
    """What kind of task it is."""

    SIMPLE = "Simple"
    WORKFLOW = "Workflow"
    SCHEDULED = "Scheduled"


class _Model(BaseModel):
    # Fields a newer server adds are ignored, as the Rust core ignores them.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TaskPhase(_Model):
    """One phase of a task's development workflow."""

    phase: TaskStatus
    started_at: Optional[datetime] = None
    completed_at: Optional[datetime] = None
    documentation: Optional[str] = None
    artifacts: List[str] = Field(default_factory=list)
    ai_reviews: List[Dict[str, Any]] = Field(default_factory=list)


class DevelopmentWorkflow(BaseModel):
    """A task's development workflow, kept as the server sent it."""

    model_config = ConfigDict(extra="allow")


class Task(_Model):
    """A task: a command with a priority, a status lifecycle, phases and AI-review counters."""

    id: UUID
    name: str
    command: str
    description: str = ""
    technical_specs: Optional[str] = None
    acceptance_criteria: List[str] = Field(default_factory=list)
    project: Optional[str] = None
    task_type: TaskType = TaskType.SIMPLE
    priority: TaskPriority = TaskPriority.NORMAL
    project_id: Optional[UUID] = None
    dependencies: List[Dict[str, Any]] = Field(default_factory=list)
    timeout: Optional[int] = None
    retry_attempts: int = 3
    retry_delay: int = 30
    environment: Dict[str, str] = Field(default_factory=dict)
    working_directory: Optional[str] = None
    created_at: datetime
    updated_at: datetime
    status: TaskStatus = TaskStatus.PLANNING
    result: Optional[Dict[str, Any]] = None
    phases: List[TaskPhase] = Field(default_factory=list)
    current_phase: TaskStatus = TaskStatus.PLANNING
    ai_reviews_required: int = 3
    ai_reviews_completed: int = 0
    development_workflow: Optional[DevelopmentWorkflow] = None
    metadata: Dict[str, Any] = Field(default_factory=dict)


class Project(_Model):
    """A project: a named group of tasks."""

    id: UUID
    name: str
    description: Optional[str] = None
    status: str = "Planning"
    created_at: datetime
    updated_at: datetime
    due_date: Optional[datetime] = None
    tags: List[str] = Field(default_factory=list)
    metadata: Dict[str, Any] = Field(default_factory=dict)


class TaskCreateRequest(BaseModel):
    """What ``create_task`` sends."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    command: str = Field(min_length=1)
    project_id: UUID
    description: Optional[str] = None
    technical_specs: Optional[str] = None
    acceptance_criteria: List[str] = Field(default_factory=list)
    priority: TaskPriority = TaskPriority.NORMAL
    task_type: Optional[TaskType] = None
    timeout: Optional[int] = None
    retry_attempts: int = 3
    retry_delay: int = 30
    environment: Dict[str, str] = Field(default_factory=dict)
    working_directory: Optional[str] = None


class TaskUpdateRequest(BaseModel):
    """What ``update_task`` sends: only the fields that are set."""

    model_config = ConfigDict(extra="forbid")

    name: Optional[str] = None
    command: Optional[str] = None
    description: Optional[str] = None
    technical_specs: Optional[str] = None
    acceptance_criteria: Optional[List[str]] = None
    priority: Optional[TaskPriority] = None
    task_type: Optional[TaskType] = None
    status: Optional[TaskStatus] = None
    timeout: Optional[int] = None
    retry_attempts: Optional[int] = None
    retry_delay: Optional[int] = None
    environment: Optional[Dict[str, str]] = None
    working_directory: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None


class ProjectCreateRequest(BaseModel):
    """What ``create_project`` sends."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: Optional[str] = None
    status: Optional[str] = None
    due_date: Optional[datetime] = None
    tags: List[str] = Field(default_factory=list)
    metadata: Dict[str, Any] = Field(default_factory=dict)


class ProjectUpdateRequest(BaseModel):
    """What ``update_project`` sends: only the fields that are set."""

    model_config = ConfigDict(extra="forbid")

    name: Optional[str] = None
    description: Optional[str] = None
    status: Optional[str] = None
    due_date: Optional[datetime] = None
    tags: Optional[List[str]] = None
    metadata: Optional[Dict[str, Any]] = None


class TaskFilters(BaseModel):
    """Which tasks ``list_tasks`` answers, one page of them."""

    model_config = ConfigDict(extra="forbid")

    status: Optional[TaskStatus] = None
    project_id: Optional[UUID] = None
    priority: Optional[TaskPriority] = None
    task_type: Optional[TaskType] = None
    created_after: Optional[datetime] = None
    created_before: Optional[datetime] = None
    limit: int = 100
    offset: int = 0
