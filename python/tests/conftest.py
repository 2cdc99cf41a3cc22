"""pytest fixtures: real gohad clusters on free loopback ports.

libgoha reads GOHA_IPC (the daemon of votequorum_* and cmm_* calls) once,
when it is loaded.  So this file fixes GOHA_IPC to node 1 of the cluster
directory MAIN *before* any test module imports goha, and the `cluster`
fixture starts a fresh 3-node cluster in that same directory for each test
that asks for it (new ports and data, the same socket paths), and stops it
afterwards even when the test fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="goha-pytest-"))
MAIN = _SESSION_DIR / "main"
os.environ["GOHA_IPC"] = f"unix:{MAIN}/node1.sock"

from helpers import Cluster  # noqa: E402


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("GOHA_KEEP") != "1":
        shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A fresh 3-node cluster whose node 1 is GOHA_IPC."""
    shutil.rmtree(MAIN, ignore_errors=True)
    c = Cluster(MAIN, 3)
    try:
        c.start()
        yield c
    finally:
        c.stop()
        shutil.rmtree(MAIN, ignore_errors=True)


@pytest.fixture
def make_cluster(tmp_path: Path) -> Iterator[object]:
    """Factory for extra clusters (not reachable through GOHA_IPC):
    make_cluster(n, **config overrides)."""
    made: list[Cluster] = []

    def make(n: int = 3, name: str = "c", **extra: str) -> Cluster:
        c = Cluster(tmp_path / f"{name}{len(made)}", n, {k.replace("__", "."): v for k, v in extra.items()})
        made.append(c)
        c.start()
        return c

    try:
        yield make
    finally:
        for c in made:
            c.stop()
