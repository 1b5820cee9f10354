"""A process made by ``fork`` draws its own ids: each thread's seeds come
from a sequence keyed once per thread *and process*, so a forked child
never repeats the request ids and idempotency keys its parent goes on to
use."""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest

import taskqueue
from taskqueue import TaskQueueClient
from taskqueue.testing import reference_server

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")


@pytest.fixture(scope="module")
def spec_server() -> Iterator[str]:
    with reference_server("spec") as url:
        yield url


def next_request_id(url: str) -> str:
    """The request id of one call, made by a new client (a 404 carries it)."""
    with TaskQueueClient(base_url=url) as client:
        with pytest.raises(taskqueue.TaskNotFoundError) as missing:
            client.get_task(uuid.uuid4())
    assert missing.value.request_id
    return str(missing.value.request_id)


def test_a_forked_child_does_not_repeat_its_parents_ids(spec_server: str) -> None:
    next_request_id(spec_server)  # this thread's sequence is keyed now
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            os.write(write, next_request_id(spec_server).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    parents = next_request_id(spec_server)
    with os.fdopen(read, "rb") as pipe:
        childs = pipe.read().decode()
    _, status = os.waitpid(child, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert childs and childs != parents, (childs, parents)
