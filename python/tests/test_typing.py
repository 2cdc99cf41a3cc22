"""The package type-checks under ``mypy --strict``, and so does a program
that uses every module as the docs show (typing_usage.py): for example
``with votequorum.Connection() as vq: vq.getinfo()`` must be typed (the
context manager returns the subclass, not Managed).  mypy is installed by
.ci/run; without it this test fails and says so."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT


def test_mypy_strict() -> None:
    try:
        import mypy  # noqa: F401
    except ImportError:
        raise AssertionError("mypy is not installed: python3 -m pip install mypy (.ci/run does)") from None
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "goha", "_ncs", "_confd", "tests/typing_usage.py"],
                       capture_output=True, text=True, cwd=str(ROOT / "python"), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
