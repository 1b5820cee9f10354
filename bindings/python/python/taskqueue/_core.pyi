"""Type stubs of the Rust extension module ``taskqueue._core``."""

from typing import Any, Awaitable, Callable, List, Mapping, Optional, Tuple

__version__: str

class CoreError(Exception):
    """args: (kind, message, status, body, request_id, retry_after, operation, attempts)."""

class Core:
    def __init__(
        self,
        base_url: str,
        timeout: float,
        headers: List[Tuple[str, str]],
        max_connections: int,
        max_keepalive_connections: int,
        retry_attempts: int,
        retry_backoff: float,
        token: Optional[str] = None,
        api_key: Optional[str] = None,
        dialect: Optional[str] = None,
    ) -> None: ...
    def call(self, op: str, args: bytes, options: Optional[Mapping[str, Any]] = None) -> bytes: ...
    def call_async(self, op: str, args: bytes, options: Optional[Mapping[str, Any]] = None) -> Awaitable[bytes]: ...
    def open(self, op: str, args: bytes) -> Cursor: ...
    def open_async(self, op: str, args: bytes) -> AsyncCursor: ...

class Cursor:
    def next(self) -> Optional[bytes]: ...
    def close(self) -> None: ...

class AsyncCursor:
    def next(self) -> Awaitable[bytes]: ...

class Completions:
    def __init__(self) -> None: ...
    def fileno(self) -> Optional[int]: ...
    def wake_with(self, event_loop: Any, drain: Callable[[], None]) -> None: ...
    def take(self) -> List[Tuple[int, bool, Any]]: ...

class Pending:
    @property
    def id(self) -> int: ...
    def __call__(self, future: Any) -> None: ...

class ReferenceServer:
    def __init__(
        self,
        dialect: str = "spec",
        complete_after: Optional[float] = None,
        token: Optional[str] = None,
        rate_limit: Optional[int] = None,
    ) -> None: ...
    @property
    def base_url(self) -> str: ...
    def stop(self) -> None: ...
