"""goha.cdb: the replicated config store, over libgoha's goha_cdb_* functions.

The store maps string paths to typed values.  Connect a stream socket to a
node's control endpoint with :func:`connect` (address arguments as for
goha.ha.connect), then :func:`set`, :func:`get`, :func:`delete` and
:func:`dump`.  On a secondary the store is read-only (set/delete raise
goha.error.Error).

Values come back as the Python value of their stored type (the same as
``goha.Value.as_pyval``): ``int`` for the integer types, ``bool``,
``float``, ``str`` for C_BUF/C_STR text (``bytes`` if it is not UTF-8),
``bytes`` for C_BINARY, ``ipaddress.IPv4Address``/``IPv6Address``.  So
``set(s, "/n", 42)`` (stored as C_INT64) then ``get(s, "/n")`` gives
``42``.  :func:`get_value` gives the :class:`goha.Value` itself and
:func:`get_text` the text ``confd_pp_value`` prints.

The C functions are declared in goha/_cdefs.py (CDB_CDEF) as include/goha.h
declares them; a libgoha built without them makes every call here raise
goha.error.Error with ERR_NOT_IMPLEMENTED.
"""

from __future__ import annotations

from typing import Any

from . import _sock
from ._callbacks import Pending
from ._ffi import ffi, has_symbol, lib
from .error import Error, confd_check, strerror
from .value import PyVal, Value

__all__ = ["available", "connect", "delete", "dump", "get", "get_text", "get_value", "set"]

_GET_BUF = 1 << 20


def available() -> bool:
    """Whether the loaded libgoha has the goha_cdb_* functions."""
    return all(has_symbol(n) for n in ("goha_cdb_connect", "goha_cdb_set",
                                       "goha_cdb_get", "goha_cdb_delete", "goha_cdb_dump"))


def _need(fn: str) -> None:
    if not has_symbol(fn):
        code = int(lib.CONFD_ERR_NOT_IMPLEMENTED)
        raise Error(code, strerror(code), f"{fn}: not in the loaded libgoha")


def _path(fn: str, path: Any) -> bytes:
    if not isinstance(path, str):
        raise TypeError(f"{fn}() path must be str, not {type(path).__name__}")
    if "\0" in path:
        raise ValueError(f"{fn}() path must not contain NUL")
    # surrogateescape: a path that dump() decoded from non-UTF-8 bytes
    # encodes back to the same bytes.
    return path.encode("utf-8", "surrogateescape")


def connect(sock: Any, ip: str | None = None, port: int | None = None,
            path: str | None = None) -> None:
    """Connect `sock` to a node's control endpoint for config store access."""
    fd = _sock.fd_of(sock)
    addr, size, _keep = _sock.sockaddr("connect", sock, ip, port, path)
    _need("goha_cdb_connect")
    confd_check(lib.goha_cdb_connect(fd, addr, size))


def set(sock: Any, path: str, value: Any) -> None:  # noqa: A001 - ConfD's name
    """Store `value` (a goha.Value, or a Python value Value() can type) at `path`."""
    fd = _sock.fd_of(sock)
    p = _path("set", path)
    v = value if isinstance(value, Value) else Value(value)
    cv, _keep = v._to_c()
    _need("goha_cdb_set")
    confd_check(lib.goha_cdb_set(fd, p, cv))


def get_value(sock: Any, path: str) -> Value:
    """The typed value at `path` (goha.error.Error ERR_NOEXISTS if none)."""
    fd = _sock.fd_of(sock)
    p = _path("get_value", path)
    _need("goha_cdb_get_value")
    cv = ffi.new("confd_value_t *")
    confd_check(lib.goha_cdb_get_value(fd, p, cv))
    try:
        return Value._from_c(cv)
    finally:
        if cv.type in (lib.C_BUF, lib.C_BINARY):
            _libc_free(cv.val.buf.ptr)
        elif cv.type == lib.C_STR:
            _libc_free(cv.val.s)


def _libc_free(ptr: Any) -> None:
    from ._ffi import libc

    if ptr != ffi.NULL:
        libc.free(ptr)


def get(sock: Any, path: str) -> PyVal:
    """The value at `path` as its Python value (see the module docstring;
    goha.error.Error ERR_NOEXISTS if there is none)."""
    return get_value(sock, path).as_pyval()


def get_text(sock: Any, path: str) -> str:
    """The value at `path` as text, as confd_pp_value() prints it."""
    fd = _sock.fd_of(sock)
    p = _path("get_text", path)
    _need("goha_cdb_get")
    buf = ffi.new("char[]", _GET_BUF)
    confd_check(lib.goha_cdb_get(fd, p, buf, _GET_BUF))
    return str(ffi.string(buf).decode("utf-8", "replace"))


def delete(sock: Any, path: str) -> None:
    """Remove the value at `path`."""
    fd = _sock.fd_of(sock)
    p = _path("delete", path)
    _need("goha_cdb_delete")
    confd_check(lib.goha_cdb_delete(fd, p))


class _DumpState:
    """What one dump() call collects; its cffi handle is the C opaque."""

    def __init__(self) -> None:
        self.entries: dict[str, PyVal] = {}
        self.pending = Pending()


def _dump_fn(path: Any, value: Any, text: Any, opaque: Any) -> int:
    st = ffi.from_handle(opaque)
    try:
        p = ffi.string(path).decode("utf-8", "surrogateescape")
        st.entries[p] = Value._from_c(value).as_pyval()
        return 0
    except BaseException as e:  # noqa: BLE001 - parked, re-raised by dump()
        st.pending.add(e)
        return 1  # stop the walk


# The C trampoline lives as long as the module (cffi keeps it alive here).
_dump_tramp: Any = ffi.callback("goha_cdb_dump_cb", _dump_fn)


def dump(sock: Any, prefix: str = "") -> dict[str, PyVal]:
    """Every entry whose path starts with `prefix` ("" for all), as a dict of
    path to Python value (what :func:`get` returns), in path order.

    The prefix is matched byte by byte ("/a" also matches "/ab"; "/a/" is the
    subtree below "/a").  The entries come from one consistent read; nothing
    under `prefix` gives {}.  A prefix that is not "" and does not start with
    "/" raises goha.error.Error with ERR_BADPATH.
    """
    fd = _sock.fd_of(sock)
    p = _path("dump", prefix)
    _need("goha_cdb_dump")
    st = _DumpState()
    h = ffi.new_handle(st)
    rc = confd_check(lib.goha_cdb_dump(fd, p, _dump_tramp, h))
    st.pending.reraise()
    if rc != len(st.entries):
        code = int(lib.CONFD_ERR_INTERNAL)
        raise Error(code, strerror(code),
                    f"goha_cdb_dump: {rc} entries reported, {len(st.entries)} distinct paths seen")
    return st.entries
