"""goha: Python bindings of libgoha, the goha cluster library.

Modules:

* :mod:`goha.ha` -- HA control (NSO ``_ncs.ha`` interface)
* :mod:`goha.events` -- HA notifications (NSO ``_ncs.events`` interface)
* :mod:`goha.error` -- exceptions and ``ERR_*`` codes (``_ncs.error``)
* :mod:`goha.votequorum` -- corosync votequorum, as a Connection object
* :mod:`goha.cmm` -- cluster membership monitor (members, roles, changes)
* :mod:`goha.cdb` -- the replicated config store

``goha.Value`` is a typed value (``_ncs.Value``); the ``C_*`` type numbers,
``OK``/``ERR``/``EOF`` return codes and the library versions live here.

libgoha.so is found through ``$GOHA_LIBRARY``, then this package's folder,
then ``build/lib/`` of the source checkout, then the system loader (see
goha._ffi).  It contains a Go runtime: one copy per process, no
``fork()`` without ``exec()`` once imported.  Calls without an address
(votequorum, cmm) go to the gohad named by ``$GOHA_IPC``, read at each
connect.
"""

from __future__ import annotations

from pathlib import Path

from ._ffi import LibraryNotFound, ffi, lib, library_path
from .value import TYPE_NAMES, Value

__all__ = ["Value", "LibraryNotFound", "library_path", "version", "TYPE_NAMES", "__version__"]


def _package_version() -> str:
    """goha's version (the repository's VERSION file): a built package
    carries a copy as goha/VERSION, a source checkout has it at its top."""
    here = Path(__file__).resolve().parent
    for f in (here / "VERSION", here.parent.parent / "VERSION"):
        if f.is_file():
            return f.read_text().strip()
    return "0.0.0-dev"


#: This package's version; :func:`version` is the loaded library's.
__version__: str = _package_version()

OK: int = lib.CONFD_OK
ERR: int = lib.CONFD_ERR
EOF: int = lib.CONFD_EOF
LIB_VSN: int = lib.CONFD_LIB_VSN
LIB_API_VSN: int = lib.CONFD_LIB_API_VSN
LIB_PROTO_VSN: int = lib.CONFD_LIB_PROTO_VSN
#: gohad's default control socket (what GOHA_IPC defaults to), like _ncs.PATH.
PATH: str = "/var/run/goha/gohad.sock"
DEFAULT_IPC: str = "unix:" + PATH

C_NOEXISTS: int = lib.C_NOEXISTS
C_STR: int = lib.C_STR
C_BUF: int = lib.C_BUF
C_BINARY: int = lib.C_BINARY
C_INT8: int = lib.C_INT8
C_INT16: int = lib.C_INT16
C_INT32: int = lib.C_INT32
C_INT64: int = lib.C_INT64
C_UINT8: int = lib.C_UINT8
C_UINT16: int = lib.C_UINT16
C_UINT32: int = lib.C_UINT32
C_UINT64: int = lib.C_UINT64
C_DOUBLE: int = lib.C_DOUBLE
C_BOOL: int = lib.C_BOOL
C_IPV4: int = lib.C_IPV4
C_IPV6: int = lib.C_IPV6
C_ENUM_VALUE: int = lib.C_ENUM_VALUE
C_BIT32: int = lib.C_BIT32
C_BIT64: int = lib.C_BIT64


def version() -> str:
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return str(ffi.string(lib.goha_version(ffi.NULL, ffi.NULL, ffi.NULL)).decode())
