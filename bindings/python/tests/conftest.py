"""Fixtures: reference servers started in-process (both dialects) and a
client of each kind for each."""

from __future__ import annotations

from typing import Iterator

import pytest

from taskqueue.testing import reference_server

DIALECTS = ["spec", "upstream"]


@pytest.fixture(scope="session", params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def server(dialect: str) -> Iterator[str]:
    """A reference server whose tasks complete 50 ms after creation."""
    with reference_server(dialect, complete_after=0.05) as url:
        yield url
