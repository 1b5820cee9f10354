"""Type stubs of the Rust extension module ``taskqueue._core``."""

from typing import Any, Awaitable, List, Mapping, Optional, Tuple

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
