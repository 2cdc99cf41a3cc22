"""goha.cdb: the replicated config store, over libgoha's goha_cdb_* functions.

The store maps string paths to typed values.  Connect a stream socket to a
node's control endpoint with :func:`connect` (address arguments as for
goha.ha.connect), then :func:`set`, :func:`get`, :func:`delete` and
:func:`dump`.  On a secondary the store is read-only (set/delete raise
goha.error.Error).  :func:`watch` iterates over the committed changes
(goha_cdb_subscribe).  ConfD's own CDB API (sessions, keypaths, ConfD
subscription sockets and cdb_diff_iterate) is :mod:`goha.confd_cdb`, which
is also ``_ncs.cdb``.

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

import os
import select
import socket
from typing import Any, NamedTuple, Optional

from . import _sock
from ._callbacks import Pending
from ._ffi import ffi, has_symbol, lib
from .error import Error, confd_check, strerror
from .value import PyVal, Value

__all__ = ["available", "connect", "delete", "dump", "get", "get_text", "get_value", "set", "watch", "Watch",
           "Change", "ChangeEvent", "RESET", "RESYNC", "DISCARDED"]

_GET_BUF = 1 << 20


def available() -> bool:
    """Whether the loaded libgoha has the goha_cdb_* functions."""
    return all(has_symbol(n) for n in ("goha_cdb_connect", "goha_cdb_set", "goha_cdb_get",
                                       "goha_cdb_delete", "goha_cdb_dump", "goha_cdb_subscribe"))


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


#: ChangeEvent flags (goha.h GOHA_CDB_*).
RESET: int = lib.GOHA_CDB_RESET
RESYNC: int = lib.GOHA_CDB_RESYNC
DISCARDED: int = lib.GOHA_CDB_DISCARDED


class Change(NamedTuple):
    """One path's change: old/new are Values, None when absent."""
    path: str
    old: Optional[Value]
    new: Optional[Value]


class ChangeEvent(NamedTuple):
    """One committed transaction (txid), in txid order.  ``reset``: the node
    installed a full copy from its HA primary and `changes` is the
    difference; ``resync``: what changed is not known -- re-read (dump).
    ``prev``: the txid before it (a reset's may be higher).  ``discarded``:
    a reset's ``(from, to)`` when it withdrew the transactions with those
    txids delivered before it (never acknowledged, auto mode), else None."""
    txid: int
    reset: bool
    resync: bool
    changes: list[Change]
    prev: int = 0
    discarded: Optional[tuple[int, int]] = None


def _ipc_socket(ipc: str) -> tuple[socket.socket, Any, int, Any]:
    """An unconnected socket and the sockaddr for a GOHA_IPC-style address."""
    if ipc.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr, size, keep = _sock.sockaddr("watch", s, None, None, ipc[5:])
        return s, addr, size, keep
    host, _, port = ipc.rpartition(":")
    host = host.strip("[]")
    if host == "localhost":
        host = "127.0.0.1"
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        addr, size, keep = _sock.sockaddr("watch", s, host, int(port), None)
    except (TypeError, ValueError):
        s.close()
        raise ValueError(f"bad control address {ipc!r}: want unix:/path or host:port") from None
    return s, addr, size, keep


class _Collect:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.pending = Pending()


def _change_fn(path: Any, oldv: Any, newv: Any, opaque: Any) -> int:
    st = ffi.from_handle(opaque)
    try:
        st.changes.append(Change(ffi.string(path).decode("utf-8", "surrogateescape"),
                                 None if oldv == ffi.NULL else Value._from_c(oldv),
                                 None if newv == ffi.NULL else Value._from_c(newv)))
        return 0
    except BaseException as e:  # noqa: BLE001 - parked, re-raised by watch()
        st.pending.add(e)
        return 1


_change_tramp: Any = ffi.callback("goha_cdb_change_cb", _change_fn)


class Watch:
    """An iterator over committed changes (see :func:`watch`); also a
    context manager.  ``txid`` is the transaction it started after."""

    def __init__(self, prefix: str, after: Optional[int], ipc: str, timeout: Optional[float]) -> None:
        p = _path("watch", prefix)
        if after is not None and (isinstance(after, bool) or not isinstance(after, int)
                                  or not 0 <= after < 2**64):
            raise TypeError("after must be None or a txid (int >= 0)")
        _need("goha_cdb_subscribe")
        self._timeout = timeout
        self._sock, addr, size, _keep = _ipc_socket(ipc)
        try:
            confd_check(lib.goha_cdb_connect(self._sock.fileno(), addr, size))
            start = ffi.new("uint64_t *")
            confd_check(lib.goha_cdb_subscribe(self._sock.fileno(), p, 0 if after is None else 1,
                                               after or 0, start))
        except BaseException:
            self._sock.close()
            raise
        self.txid = int(start[0])

    def __iter__(self) -> "Watch":
        return self

    def __next__(self) -> ChangeEvent:
        if self._sock.fileno() < 0:
            raise StopIteration
        r, _, _ = select.select([self._sock], [], [], self._timeout)
        if not r:
            raise StopIteration
        info = ffi.new("struct goha_cdb_change_info *")
        st = _Collect()
        h = ffi.new_handle(st)
        rc = lib.goha_cdb_read_change2(self._sock.fileno(), info, _change_tramp, h)
        st.pending.reraise()
        confd_check(rc)
        f = info.flags
        return ChangeEvent(int(info.txid), bool(f & RESET), bool(f & RESYNC), st.changes, int(info.prev),
                           (int(info.discarded_from), int(info.discarded_to)) if f & DISCARDED else None)

    def fileno(self) -> int:
        """The socket, to select() on with others."""
        return self._sock.fileno()

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        sock = getattr(self, "_sock", None)
        if sock is not None:
            sock.close()


def watch(prefix: str = "", after: Optional[int] = None, ipc: Optional[str] = None,
          timeout: Optional[float] = None) -> Watch:
    """Subscribe to the transactions committed on a node that change a path
    starting with `prefix`, and return an iterator of :class:`ChangeEvent`,
    in txid order, each once it is durable on that node.

    The subscription is in place when watch() returns.  The node is `ipc`
    (``unix:/path`` or ``host:port``), else ``$GOHA_IPC``.  With `after`
    (the txid of the last event seen) it resumes and first yields what
    followed it -- or one event with ``resync`` set if that is no longer
    known; without, it starts at the current transaction.  Iteration ends
    when `timeout` seconds pass without an event (None: never), and raises
    goha.error.EOF when the daemon goes away (watch again with ``after=``
    the last txid to miss nothing).  Close it (or use ``with``) when done.
    """
    addr = ipc if ipc is not None else os.environ.get("GOHA_IPC") or "unix:/var/run/goha/gohad.sock"
    return Watch(prefix, after, addr, timeout)
