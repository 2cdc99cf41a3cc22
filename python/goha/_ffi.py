"""Locating and loading libgoha.so through cffi (ABI mode, no compiler needed).

Search order (DESIGN.md):

1. ``$GOHA_LIBRARY``: a path to the library file; if it is set but unusable
   that is an error (no silent fallback to another copy);
2. the package folder (a copy of ``libgoha.so`` placed next to this file);
3. ``build/lib/libgoha.so`` of the source checkout this package lives in
   (``python/goha`` -> ``../../build/lib``), only when it does live in one
   (an installed package has no checkout around it, so none is listed);
4. the system loader (``libgoha.so.1``, then ``libgoha.so``; see
   ``ldconfig``/``LD_LIBRARY_PATH``).

The first that loads wins. If none does, :class:`LibraryNotFound` names every
place tried and why each failed.

libgoha contains a Go runtime: it is loaded once per process and never
unloaded, and the process must not ``fork()`` without ``exec()`` afterwards.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Any

from cffi import FFI

from ._cdefs import CDB_CDEF, CDEF

__all__ = ["ffi", "lib", "load", "library_path", "LibraryNotFound", "candidates"]

ffi = FFI()
ffi.cdef(CDEF)
ffi.cdef(CDB_CDEF)
# libc's free(), for the memory goha_cdb_get_value() hands over (its own
# FFI: ffi declares exactly libgoha's headers, which test_abi checks).
_libc_ffi = FFI()
_libc_ffi.cdef("void free(void *ptr);")
libc: Any = _libc_ffi.dlopen(None)

_PKG_DIR = Path(__file__).resolve().parent
_CHECKOUT = _PKG_DIR.parent.parent
_CHECKOUT_LIB = _CHECKOUT / "build" / "lib" / "libgoha.so"


def _in_checkout() -> bool:
    """Whether this package is python/goha of a goha source checkout."""
    return (_CHECKOUT / "go.mod").is_file() and (_CHECKOUT / "capi").is_dir()


class LibraryNotFound(ImportError):
    """libgoha.so could not be loaded from any of the places searched."""


def candidates() -> list[tuple[str, str]]:
    """The places searched, in order, as (description, name-or-path)."""
    env = os.environ.get("GOHA_LIBRARY")
    if env:
        return [("GOHA_LIBRARY", env)]
    places = [("package folder", str(_PKG_DIR / "libgoha.so"))]
    if _in_checkout():
        places.append(("source checkout", str(_CHECKOUT_LIB)))
    return places + [("system loader", "libgoha.so.1"), ("system loader", "libgoha.so")]


_lock = threading.Lock()
_lib: Any = None
_path: str | None = None


def load() -> Any:
    """Load libgoha once (thread-safe) and initialise its ConfD layer."""
    global _lib, _path
    with _lock:
        if _lib is not None:
            return _lib
        tried: list[str] = []
        for what, name in candidates():
            is_path = "/" in name
            if is_path and not os.path.exists(name):
                tried.append(f"{what}: {name}: no such file")
                continue
            try:
                lib = ffi.dlopen(name)
            except OSError as e:
                tried.append(f"{what}: {name}: {e}")
                continue
            # Like NSO's _ncs module, initialise the ConfD-style API once.
            lib.confd_init_vsn_sz(
                b"goha-python",
                ffi.NULL,
                lib.CONFD_SILENT,
                lib.CONFD_LIB_API_VSN,
                lib.MAXDEPTH,
                lib.MAXKEYLEN,
            )
            _lib, _path = lib, name
            return lib
        raise LibraryNotFound(
            "cannot load libgoha.so (run `make build`, or set GOHA_LIBRARY to the "
            "library file, or install it where the system loader finds it); tried:\n  "
            + "\n  ".join(tried)
        )


def library_path() -> str:
    """The path or name libgoha was loaded from."""
    load()
    assert _path is not None
    return _path


lib: Any = load()


def errmsg(handle: int = 0) -> str:
    """goha_errmsg() of handle for the calling thread (0: of the calls
    without a handle).  A handle that is no longer live (the call failed
    with a bad handle) has its message with the handle-less calls'."""
    buf = ffi.new("char[]", 1024)
    if lib.goha_errmsg(handle, buf, len(buf)) == errno.EBADF and handle != 0:  # GOHA_EBADF
        lib.goha_errmsg(0, buf, len(buf))
    return str(ffi.string(buf).decode("utf-8", "replace"))


def has_symbol(name: str) -> bool:
    """Whether the loaded library exports function `name` (for optional APIs)."""
    try:
        getattr(lib, name)
    except AttributeError:
        return False
    return True
