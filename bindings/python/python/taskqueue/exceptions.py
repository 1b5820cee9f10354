"""The exception hierarchy of the original specification. Every error of
the Rust core maps to exactly one class (see ``KIND_TO_CLASS``)."""

from __future__ import annotations

import builtins
from typing import Any, Dict, Optional, Type

__all__ = [
    "TaskQueueError",
    "ValidationError",
    "AuthenticationError",
    "AuthorizationError",
    "TaskNotFoundError",
    "ProjectNotFoundError",
    "APIError",
    "ConnectionError",
    "TimeoutError",
    "RateLimitError",
]


class TaskQueueError(Exception):
    """Base exception for all Task Queue operations."""

    def __init__(
        self,
        message: str,
        status_code: Optional[int] = None,
        response_data: Optional[Dict[str, Any]] = None,
        *,
        kind: str = "api",
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        operation: Optional[str] = None,
        attempts: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.response_data: Dict[str, Any] = response_data or {}
        #: The Rust core's stable error kind (``task_not_found``, ``timeout``, …).
        self.kind = kind
        #: The ``X-Request-Id`` of the failed call: the server's, else the one the SDK sent.
        self.request_id = request_id
        #: Seconds the server asked to wait (``Retry-After``), on a rate limit.
        self.retry_after = retry_after
        #: The operation that failed (``get_task``), when a request was sent.
        self.operation = operation
        #: Requests the call sent, retries included.
        self.attempts = attempts

    def __str__(self) -> str:
        if self.status_code:
            return f"[{self.status_code}] {self.message}"
        return self.message


class ValidationError(TaskQueueError):
    """The input was refused (by the server, 400/422, or before sending)."""


class AuthenticationError(TaskQueueError):
    """Missing or wrong credentials (401)."""


class AuthorizationError(TaskQueueError):
    """The credentials do not allow this (403)."""


class TaskNotFoundError(TaskQueueError):
    """The task does not exist (404)."""


class ProjectNotFoundError(TaskQueueError):
    """The project does not exist (404)."""


class APIError(TaskQueueError):
    """Any other error answer (5xx, 409, …) or an answer the SDK cannot read."""


class ConnectionError(TaskQueueError, builtins.ConnectionError):
    """The server could not be reached, or the connection broke."""


class TimeoutError(TaskQueueError, builtins.TimeoutError):
    """No answer in time, or a wait that ran out of time."""


class RateLimitError(TaskQueueError):
    """Too many requests (429); ``retry_after`` says how long to wait."""


#: The class of each error kind of the Rust core (``taskqueue::ErrorKind``).
KIND_TO_CLASS: Dict[str, Type[TaskQueueError]] = {
    "validation": ValidationError,
    "invalid_input": ValidationError,
    "authentication": AuthenticationError,
    "authorization": AuthorizationError,
    "task_not_found": TaskNotFoundError,
    "project_not_found": ProjectNotFoundError,
    "workflow_not_found": APIError,
    "conflict": APIError,
    "rate_limited": RateLimitError,
    "api": APIError,
    "connection": ConnectionError,
    "timeout": TimeoutError,
    "wait_timed_out": TimeoutError,
    "response_too_large": APIError,
    "decode": APIError,
    "unsupported": APIError,
    "outcome_unknown": APIError,
    "listing_did_not_end": APIError,
    "transport": ConnectionError,
    "needs_driver": APIError,
    "internal": TaskQueueError,
}


def from_core(args: Any) -> TaskQueueError:
    """The exception of a ``CoreError``'s arguments."""
    kind, message, status, body, request_id, retry_after, operation, attempts = args
    cls = KIND_TO_CLASS.get(kind, APIError)
    data: Dict[str, Any] = {}
    if body:
        import json

        try:
            parsed = json.loads(body)
            data = parsed if isinstance(parsed, dict) else {"body": parsed}
        except ValueError:
            data = {"body": body}
    return cls(
        message,
        status,
        data,
        kind=kind,
        request_id=request_id,
        retry_after=retry_after,
        operation=operation,
        attempts=attempts,
    )
