"""pytest fixtures: real gohad clusters on free loopback ports.

votequorum_* and cmm_* calls go to the gohad named by GOHA_IPC, which
libgoha reads at each connect.  This file points GOHA_IPC at node 1 of the
cluster directory MAIN, and the `cluster` fixture starts a fresh 3-node
cluster in that same directory for each test that asks for it (new ports
and data, the same socket paths), and stops it afterwards even when the
test fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from helpers import Cluster

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="goha-pytest-"))
MAIN = _SESSION_DIR / "main"
_WANT_IPC = f"unix:{MAIN}/node1.sock"
os.environ["GOHA_IPC"] = _WANT_IPC


def pytest_configure(config: pytest.Config) -> None:
    # libgoha names the address it dialled in its error message: check that
    # it follows GOHA_IPC, or every daemon test below would talk elsewhere.
    from goha._ffi import errmsg, ffi, lib

    h = ffi.new("votequorum_handle_t *")
    if lib.votequorum_initialize(h, ffi.NULL) == lib.CS_OK:
        lib.votequorum_finalize(h[0])
        raise pytest.UsageError(f"something answers on {_WANT_IPC} before any test started")
    if _WANT_IPC not in errmsg(0):
        raise pytest.UsageError(f"libgoha does not follow GOHA_IPC={_WANT_IPC}: {errmsg(0)}")



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
