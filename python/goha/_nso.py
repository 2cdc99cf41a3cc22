"""The names of NSO's ``_ncs`` and ConfD's ``_confd`` modules over goha.

``import _ncs`` (and ``_confd``) are thin packages (python/_ncs,
python/_confd) whose top level is :func:`populate` and whose submodules
``ha``, ``events``, ``cdb`` and ``error`` re-export goha.ha, goha.events,
goha.confd_cdb and goha.error, so that code written against NSO's Python
API runs unchanged on goha.  The constants have the real modules' names
and values (include/ and spec/confd-cdb.md section 4); functions goha
cannot honour (schemas, MAAPI, data providers) are not provided.

Where the product connects: NSO code connects to ``_ncs.ADDR``/``PORT``
(TCP) or ``_ncs.PATH`` (a unix socket).  Here they name the local gohad:
``$NCS_IPC_ADDR``, ``$NCS_IPC_PORT`` and ``$NCS_IPC_PATH`` (``CONFD_IPC_*``
for ``_confd``) when set, as NSO reads them; else the control endpoint in
``$GOHA_IPC`` (``host:port`` gives ADDR and PORT, ``unix:/path`` gives
PATH); else 127.0.0.1, NSO's (ConfD's) port and goha's default socket.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any

from . import confd_cdb, error, events, ha
from ._ffi import ffi, lib
from .confd_cdb import HKeypathRef
from .value import Value, XmlTag

_PRODUCTS = {"ncs": ("NCS", lib.NCS_PORT), "confd": ("CONFD", lib.CONFD_PORT)}


def _endpoint(env: str, default_port: int) -> tuple[str, int, str]:
    """ADDR, PORT and PATH for a product whose variables start with env."""
    addr, port, path = "127.0.0.1", default_port, "/var/run/goha/gohad.sock"
    ipc = os.environ.get("GOHA_IPC", "")
    if ipc.startswith("unix:"):
        path = ipc[5:]
    elif ipc:
        host, _, p = ipc.rpartition(":")
        if p.isdigit():
            addr, port = host.strip("[]") or addr, int(p)
    addr = os.environ.get(env + "_IPC_ADDR") or addr
    if (os.environ.get(env + "_IPC_PORT") or "").isdigit():
        port = int(os.environ[env + "_IPC_PORT"])
    path = os.environ.get(env + "_IPC_PATH") or path
    return addr, port, path


def _errors(product: str) -> dict[str, int]:
    out = {n: getattr(error, n) for n in dir(error) if n.startswith("ERR_")}
    ncs_only = ("CONNECTION_REFUSED", "SERVICE_CONFLICT", "CONNECTION_TIMEOUT", "CONNECTION_CLOSED",
                "DEVICE", "TEMPLATE")
    for n in ncs_only:  # NSO's NCS_ERR_* have no ERR_ twin
        v = out.pop("ERR_" + n)
        if product == "ncs":
            out["NCS_ERR_" + n] = v
    return out


def _constants(product: str) -> dict[str, Any]:
    env, port = _PRODUCTS[product]
    addr, port, path = _endpoint(env, port)
    c: dict[str, Any] = {
        "OK": lib.CONFD_OK, "ERR": lib.CONFD_ERR, "EOF": lib.CONFD_EOF,
        "CONFD_OK": lib.CONFD_OK, "CONFD_ERR": lib.CONFD_ERR, "CONFD_EOF": lib.CONFD_EOF,
        "ACCUMULATE": lib.CONFD_ACCUMULATE, "DELAYED_RESPONSE": lib.CONFD_DELAYED_RESPONSE,
        "VALIDATION_WARN": lib.CONFD_VALIDATION_WARN, "ALREADY_LOCKED": lib.CONFD_ALREADY_LOCKED,
        "IN_USE": lib.CONFD_IN_USE,
        "CONFD_PORT": lib.CONFD_PORT, "ADDR": addr, "PORT": port, "PATH": path,
        "SILENT": lib.CONFD_SILENT, "DEBUG": lib.CONFD_DEBUG, "TRACE": lib.CONFD_TRACE,
        "PROTO_TRACE": lib.CONFD_PROTO_TRACE,
        "LIB_VSN": lib.CONFD_LIB_VSN, "LIB_VSN_STR": "%08x" % lib.CONFD_LIB_VSN,
        "LIB_API_VSN": lib.CONFD_LIB_API_VSN, "LIB_API_VSN_STR": "%08x" % lib.CONFD_LIB_API_VSN,
        "LIB_PROTO_VSN": lib.CONFD_LIB_PROTO_VSN, "LIB_PROTO_VSN_STR": str(lib.CONFD_LIB_PROTO_VSN),
        # MAAPI's databases (which differ from _ncs.cdb's)
        "NO_DB": 0, "CANDIDATE": 1, "RUNNING": 2, "STARTUP": 3, "OPERATIONAL": 4,
        "TRANSACTION": 5, "PRE_COMMIT_RUNNING": 6, "INTENDED": 7,
        "TRUE": 1, "FALSE": 0, "TIMEZONE_UNDEF": -111, "C_EMPTY": 53,
    }
    if product == "ncs":
        c["NCS_PORT"] = lib.NCS_PORT
        c["NCS_PATH"] = path
    typedefs_enums = ("enum confd_vtype", "enum confd_iter_op", "enum confd_iter_ret",
                      "enum confd_iter_flags", "enum confd_errcode", "enum confd_progress_verbosity")
    for e in typedefs_enums:
        for name, value in ffi.typeof(e).relements.items():
            for prefix in ("CONFD_ERRCODE_", "CONFD_VERBOSITY_"):
                if name.startswith(prefix):
                    name = name[len("CONFD_"):]
            if name != "C_MAXTYPE":
                c[name] = value
    c["C_ENUM_HASH"] = lib.C_ENUM_VALUE
    c.update(_errors(product))
    return c


def init(name: str, file: Any = None, level: int = 0) -> None:
    """The library is initialised when goha is imported; this only checks
    its arguments (as _ncs, which calls it at import)."""
    if not isinstance(name, str):
        raise TypeError("name must be str")


def set_debug(level: int, file: Any = None) -> None:
    """Set the debug level; lines go to stderr when `file` is given."""
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError("level must be int")
    stream = ffi.NULL
    if file is not None:
        stream = ffi.cast("FILE *", _stderr())
    error.confd_check(lib.confd_set_debug(level, stream))


def _stderr() -> Any:
    libc = ffi.dlopen(None)
    return libc.stderr if hasattr(libc, "stderr") else ffi.NULL


def pp_kpath(hkeypath: HKeypathRef) -> str:
    """The keypath as text, "/servers/server{www}/ip"."""
    if not isinstance(hkeypath, HKeypathRef):
        raise TypeError("hkeypath must be an HKeypathRef")
    return str(hkeypath)


def pp_kpath_len(hkeypath: HKeypathRef, len: int) -> str:  # noqa: A002 - _ncs's name
    """pp_kpath of the first (outermost) len elements."""
    return str(hkeypath.dup_len(len))


def hkeypath_dup(hkeypath: HKeypathRef) -> HKeypathRef:
    return hkeypath.dup()


def hkeypath_dup_len(hkeypath: HKeypathRef, len: int) -> HKeypathRef:  # noqa: A002
    return hkeypath.dup_len(len)


def hash2str(hash: int) -> str | None:  # noqa: A002 - _ncs's name
    """The name of a tag goha made (confd_hash2str), or None."""
    p = lib.confd_hash2str(hash)
    return None if p == ffi.NULL else str(ffi.string(p).decode("utf-8", "replace"))


def fatal(str: str) -> None:  # noqa: A002 - _ncs's name
    """Print the message to stderr and exit with status 1."""
    sys.stderr.write(f"{str}\n")
    sys.exit(1)


_FUNCTIONS = {"init": init, "set_debug": set_debug, "pp_kpath": pp_kpath, "pp_kpath_len": pp_kpath_len,
              "hkeypath_dup": hkeypath_dup, "hkeypath_dup_len": hkeypath_dup_len, "hash2str": hash2str,
              "fatal": fatal, "Value": Value, "XmlTag": XmlTag, "HKeypathRef": HKeypathRef}


def populate(ns: dict[str, Any], product: str) -> None:
    """Fill the top level of _ncs ("ncs") or _confd ("confd")."""
    ns.update(_constants(product))
    ns.update(_FUNCTIONS)


def submodule(ns: dict[str, Any], product: str, which: str) -> None:
    """Fill _ncs.<which> / _confd.<which> from the goha module that
    implements it."""
    src: ModuleType = {"ha": ha, "events": events, "cdb": confd_cdb, "error": error}[which]
    for name in dir(src):
        if name.startswith("_") or isinstance(getattr(src, name), ModuleType):
            continue
        if which == "events" and product != "ncs" and name.startswith("NCS_"):
            continue  # _confd.events has no NSO kinds
        ns[name] = getattr(src, name)
    if which == "error":
        ns.update(_errors(product))
