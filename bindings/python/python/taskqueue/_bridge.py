"""Where the Rust core's async calls meet asyncio: one bridge per event loop.

A call runs on the core's Tokio runtime; when it finishes, its result waits
in the loop's ``Completions`` queue and a byte on a socket the loop watches
wakes it (once per batch). The loop's thread then settles every waiting
future at once, so the runtime's threads never take the GIL.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any, Dict

from . import _core


class Bridge:
    """The futures of one event loop's calls, by call id."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.completions = _core.Completions()
        # Waiting futures by call id (a cancelled one is dropped by its ``Pending``).
        self.futures: Dict[int, "asyncio.Future[Any]"] = {}
        fd = self.completions.fileno()
        try:
            if fd is None:
                raise NotImplementedError
            loop.add_reader(fd, self._drain)
        except NotImplementedError:
            # A loop that cannot watch a socket (Windows' proactor).
            self.completions.wake_with(loop, self._drain)

    def future(self, pending: _core.Pending) -> "asyncio.Future[Any]":
        """The future of the call ``pending``, settled when it finishes."""
        future = asyncio.get_running_loop().create_future()
        self.futures[pending.id] = future
        future.add_done_callback(pending)
        return future

    def _drain(self) -> None:
        for call_id, ok, value in self.completions.take():
            future = self.futures.pop(call_id, None)
            if future is None or future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


_BRIDGES: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Bridge]" = weakref.WeakKeyDictionary()


def running() -> Bridge:
    """The running loop's bridge, made on its first call."""
    loop = asyncio.get_running_loop()
    bridge = _BRIDGES.get(loop)
    if bridge is None:
        bridge = _BRIDGES[loop] = Bridge(loop)
    return bridge
