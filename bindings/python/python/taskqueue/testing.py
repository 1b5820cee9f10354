"""The reference server, started in-process, for tests: a user's tests can
run against it as the SDK's own do.

    from taskqueue.testing import reference_server

    with reference_server() as url:
        with TaskQueueClient(base_url=url) as client:
            ...
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

from . import _core

__all__ = ["ReferenceServer", "reference_server"]

ReferenceServer = _core.ReferenceServer


@contextmanager
def reference_server(
    dialect: str = "spec",
    complete_after: Optional[float] = None,
    token: Optional[str] = None,
    rate_limit: Optional[int] = None,
) -> Iterator[str]:
    """A reference server on a free port of 127.0.0.1 for the ``with`` block:
    yields its base URL. ``dialect`` is ``spec`` or ``upstream`` (the public
    server's wire format); tasks complete ``complete_after`` seconds after
    their creation when given; ``token`` requires that bearer token;
    ``rate_limit`` answers 429 past that many requests a second."""
    server = _core.ReferenceServer(dialect, complete_after, token, rate_limit)
    try:
        yield server.base_url
    finally:
        server.stop()
