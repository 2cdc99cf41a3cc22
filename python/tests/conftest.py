"""pytest fixtures: real gohad clusters on free loopback ports.

votequorum_* and cmm_* calls go to the gohad named by GOHA_IPC.  libgoha's
Go runtime reads the environment the process was *started* with (a variable
added later with setenv/os.environ is invisible to it), so this file fixes
GOHA_IPC to node 1 of the cluster directory MAIN and, if libgoha cannot see
it, re-executes pytest once with it in the initial environment.  The
`cluster` fixture then starts a fresh 3-node cluster in that same directory
for each test that asks for it (new ports and data, the same socket paths),
and stops it afterwards even when the test fails.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

_SESSION_DIR = Path(os.environ.get("GOHA_PYTEST_DIR") or tempfile.mkdtemp(prefix="goha-pytest-"))
MAIN = _SESSION_DIR / "main"
_WANT_IPC = f"unix:{MAIN}/node1.sock"
_EXEC_MARK = "GOHA_PYTEST_REEXECUTED"


def _libgoha_sees(addr: str) -> bool:
    """Whether libgoha dials `addr` (its error message names the address)."""
    from goha._ffi import errmsg, ffi, lib

    h = ffi.new("votequorum_handle_t *")
    if lib.votequorum_initialize(h, ffi.NULL) == lib.CS_OK:
        lib.votequorum_finalize(h[0])
        return False  # something answers, and it cannot be our fresh directory
    return addr in errmsg(0)


def pytest_configure(config: pytest.Config) -> None:
    os.environ["GOHA_IPC"] = _WANT_IPC
    if _libgoha_sees(_WANT_IPC):
        return
    if os.environ.get(_EXEC_MARK) == "1":
        raise pytest.UsageError(f"libgoha does not see GOHA_IPC={_WANT_IPC} even after a re-exec")
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        capman.stop_global_capturing()
    env = dict(os.environ, **{_EXEC_MARK: "1", "GOHA_PYTEST_DIR": str(_SESSION_DIR)})
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)

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
