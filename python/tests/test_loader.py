"""Where goha finds libgoha.so: GOHA_LIBRARY, the package folder, build/lib
of the checkout, the system loader -- and the error naming every place tried.
Each case runs in a fresh interpreter (a process loads libgoha only once)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from helpers import ROOT, run_python

LIB = ROOT / "build" / "lib" / "libgoha.so"
PKG = ROOT / "python" / "goha"
PROBE = "import goha, goha._ffi as f; from goha import ha; print(ha.STATE_PRIMARY, f.library_path())"


def _copy_pkg(dest: Path, with_lib: bool) -> Path:
    shutil.copytree(PKG, dest / "goha", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    if with_lib:
        shutil.copy(LIB, dest / "goha" / "libgoha.so")
    return dest


def _run(code: str, pythonpath: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("GOHA_LIBRARY", "LD_LIBRARY_PATH")}
    full.update(env, PYTHONPATH=str(pythonpath))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full,
                          timeout=60, cwd=str(pythonpath))


def test_checkout_build_lib() -> None:
    r = run_python(PROBE, {"GOHA_LIBRARY": ""})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3", str(LIB)]


def test_goha_library_env(tmp_path: Path) -> None:
    copy = tmp_path / "libcopy.so"
    shutil.copy(LIB, copy)
    r = run_python(PROBE, {"GOHA_LIBRARY": str(copy)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3", str(copy)]


def test_goha_library_env_wrong_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    r = run_python(PROBE, {"GOHA_LIBRARY": str(tmp_path / "missing.so")})
    assert r.returncode != 0
    assert "LibraryNotFound" in r.stderr and "GOHA_LIBRARY" in r.stderr
    assert str(tmp_path / "missing.so") in r.stderr
    bad = tmp_path / "notalib.so"
    bad.write_text("not an ELF file")
    r = run_python(PROBE, {"GOHA_LIBRARY": str(bad)})
    assert r.returncode != 0 and str(bad) in r.stderr


def test_package_folder(tmp_path: Path) -> None:
    _copy_pkg(tmp_path, with_lib=True)
    r = _run(PROBE, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3", str(tmp_path / "goha" / "libgoha.so")]


def test_system_loader(tmp_path: Path) -> None:
    _copy_pkg(tmp_path, with_lib=False)
    r = _run(PROBE, tmp_path, LD_LIBRARY_PATH=str(LIB.parent))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3", "libgoha.so.1"]


def test_not_found_names_every_place(tmp_path: Path) -> None:
    _copy_pkg(tmp_path, with_lib=False)
    r = _run(PROBE, tmp_path)
    assert r.returncode != 0
    err = r.stderr
    assert "goha._ffi.LibraryNotFound" in err and "make build" in err
    for where in ("package folder", "system loader", "libgoha.so.1",
                  str(tmp_path / "goha" / "libgoha.so")):
        assert where in err, where
    # A copy outside a checkout lists no checkout path (it would be meaningless).
    assert "source checkout" not in err and "build/lib" not in err, err


def test_pip_install_into_a_fresh_venv(tmp_path: Path) -> None:
    """`pip install ./python` works offline (the in-tree build backend needs
    nothing; cffi comes from the system site) and the installed package finds
    the library through GOHA_LIBRARY."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # This interpreter's pip installs into the venv (pip --python): no ensurepip.
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
                        "--no-index", str(ROOT / "python")],
                       capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LD_LIBRARY_PATH")}
    env["GOHA_LIBRARY"] = str(LIB)
    code = "from goha import ha; import goha; print(ha.STATE_PRIMARY, goha.__file__)"
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path), timeout=60)
    assert r.returncode == 0, r.stderr
    state, where = r.stdout.split()
    assert state == "3" and str(env_dir) in where  # the installed copy, not the checkout
    # py.typed is installed (PEP 561).
    assert (Path(where).parent / "py.typed").exists()
    # Without GOHA_LIBRARY the installed package fails clearly.
    del env["GOHA_LIBRARY"]
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path), timeout=60)
    assert r.returncode != 0 and "LibraryNotFound" in r.stderr
    # Only meaningful places are listed: no "build/lib" beside site-packages.
    assert "source checkout" not in r.stderr and "build/lib" not in r.stderr, r.stderr
    # The installed package knows its version (the repository's VERSION).
    env["GOHA_LIBRARY"] = str(LIB)
    r = subprocess.run([str(py), "-c", "import goha; print(goha.__version__)"], capture_output=True, text=True,
                       env=env, cwd=str(tmp_path), timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == (ROOT / "VERSION").read_text().strip(), r.stdout + r.stderr
