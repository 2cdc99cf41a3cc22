"""A small in-tree PEP 517 build backend for the goha package.

Why not setuptools: goha is pure Python (cffi ABI mode), and this backend
needs nothing but the standard library, so ``pip install ./python`` works in
a fresh virtual environment without downloading a build system (setuptools
of the base interpreter may lack ``bdist_wheel``, and tests must not reach
the network).  It builds

* a wheel of ``goha/`` and the ``_ncs``/``_confd`` alias packages (every
  ``*.py``, ``py.typed``, and ``libgoha.so`` if
  one was copied into the package folder, which then makes the wheel
  platform-specific),
* an sdist of the ``python/`` folder,
* an editable wheel (PEP 660) that puts this folder on ``sys.path``.

Metadata comes from ``[project]`` in pyproject.toml; the version (a
dynamic field) from the VERSION file of the goha checkout (``../VERSION``),
or of the sdist, which carries a copy; wheels carry it as ``goha/VERSION``
for ``goha.__version__``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sysconfig
import tarfile
import zipfile
from pathlib import Path
from typing import Any, Optional

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - 3.9/3.10
    tomllib = None  # type: ignore[assignment]

HERE = Path(__file__).resolve().parent
PKG = "goha"


def _version_file() -> Path:
    for f in (HERE / "VERSION", HERE.parent / "VERSION"):
        if f.is_file():
            return f
    raise FileNotFoundError("VERSION: neither python/VERSION (sdist) nor ../VERSION (checkout) exists")


def _project() -> dict[str, Any]:
    proj = _read_project()
    proj["version"] = _version_file().read_text().strip()
    return proj


def _read_project() -> dict[str, Any]:
    text = (HERE / "pyproject.toml").read_text()
    if tomllib is not None:
        return dict(tomllib.loads(text)["project"])
    # Minimal fallback for old interpreters: name, version, dependencies.
    import re
    proj: dict[str, Any] = {}
    for key in ("name", "version", "description", "requires-python"):
        m = re.search(rf'^{key}\s*=\s*"([^"]*)"', text, re.M)
        if m:
            proj[key] = m.group(1)
    m = re.search(r"^dependencies\s*=\s*\[([^\]]*)\]", text, re.M)
    proj["dependencies"] = re.findall(r'"([^"]+)"', m.group(1)) if m else []
    return proj


def _metadata() -> str:
    p = _project()
    lines = ["Metadata-Version: 2.1", f"Name: {p['name']}", f"Version: {p['version']}"]
    if p.get("description"):
        lines.append(f"Summary: {p['description']}")
    if p.get("requires-python"):
        lines.append(f"Requires-Python: {p['requires-python']}")
    for c in p.get("classifiers", []):
        lines.append(f"Classifier: {c}")
    for d in p.get("dependencies", []):
        lines.append(f"Requires-Dist: {d}")
    for extra, deps in p.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        for d in deps:
            lines.append(f'Requires-Dist: {d}; extra == "{extra}"')
    readme = HERE / "README.md"
    body = ""
    if readme.exists():
        lines.append("Description-Content-Type: text/markdown")
        body = "\n" + readme.read_text()
    return "\n".join(lines) + "\n" + body


def _dist_name() -> str:
    p = _project()
    return f"{p['name'].replace('-', '_')}-{p['version']}"


# The NSO/ConfD module names, thin packages over goha (goha/_nso.py).
ALIASES = ("_ncs", "_confd")


def _files() -> list[Path]:
    pkg = HERE / PKG
    out = sorted(f for d in (pkg, *(HERE / a for a in ALIASES))
                 for f in d.rglob("*.py") if "__pycache__" not in f.parts)
    out.append(pkg / "py.typed")
    if (pkg / "libgoha.so").exists():
        out.append(pkg / "libgoha.so")
    return out


def _tag(files: list[Path]) -> str:
    if any(f.suffix == ".so" for f in files):
        plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        return f"py3-none-{plat}"
    return "py3-none-any"


def _hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _write_wheel(wheel_directory: str, entries: list[tuple[str, bytes]], tag: str) -> str:
    dist = _dist_name()
    info = f"{dist}.dist-info"
    entries = list(entries) + [
        (f"{info}/METADATA", _metadata().encode()),
        (f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: goha-build-backend\n"
                          f"Root-Is-Purelib: {'true' if tag.endswith('any') else 'false'}\n"
                          f"Tag: {tag}\n".encode()),
    ]
    record = "".join(f"{n},{_hash(d)},{len(d)}\n" for n, d in entries) + f"{info}/RECORD,,\n"
    name = f"{dist}-{tag}.whl"
    with zipfile.ZipFile(Path(wheel_directory) / name, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in entries:
            zi = zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = (0o755 if n.endswith(".so") else 0o644) << 16
            z.writestr(zi, d, zipfile.ZIP_DEFLATED)
        z.writestr(f"{info}/RECORD", record)
    return name


# -- PEP 517 hooks ----------------------------------------------------------

def get_requires_for_build_wheel(config_settings: Optional[dict[str, Any]] = None) -> list[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict[str, Any]] = None) -> list[str]:
    return []


def get_requires_for_build_editable(config_settings: Optional[dict[str, Any]] = None) -> list[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str,
                                     config_settings: Optional[dict[str, Any]] = None) -> str:
    info = Path(metadata_directory) / f"{_dist_name()}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(_metadata())
    return info.name


def build_wheel(wheel_directory: str, config_settings: Optional[dict[str, Any]] = None,
                metadata_directory: Optional[str] = None) -> str:
    files = _files()
    entries = [(f.relative_to(HERE).as_posix(), f.read_bytes()) for f in files]
    entries.append((f"{PKG}/VERSION", _version_file().read_bytes()))
    return _write_wheel(wheel_directory, entries, _tag(files))


def build_editable(wheel_directory: str, config_settings: Optional[dict[str, Any]] = None,
                   metadata_directory: Optional[str] = None) -> str:
    pth = (str(HERE) + "\n").encode()
    return _write_wheel(wheel_directory, [(f"__editable__.{PKG}.pth", pth)], "py3-none-any")


def build_sdist(sdist_directory: str, config_settings: Optional[dict[str, Any]] = None) -> str:
    dist = _dist_name()
    name = f"{dist}.tar.gz"
    members = [HERE / "pyproject.toml", HERE / "_build_backend.py", HERE / "README.md"]
    members += [f for f in _files() if f.suffix != ".so"]
    with tarfile.open(Path(sdist_directory) / name, "w:gz") as t:
        for f in members:
            if f.exists():
                t.add(f, arcname=f"{dist}/{f.relative_to(HERE).as_posix()}")
        t.add(_version_file(), arcname=f"{dist}/VERSION")
        pkg_info = ("Metadata-Version: 2.1\n" + _metadata().split("\n", 1)[1]).encode()
        ti = tarfile.TarInfo(f"{dist}/PKG-INFO")
        ti.size = len(pkg_info)
        t.addfile(ti, io.BytesIO(pkg_info))
    return name


