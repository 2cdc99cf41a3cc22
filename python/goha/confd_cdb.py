"""goha.confd_cdb: ConfD's CDB API over goha's config store, with the
interface of NSO's ``_ncs.cdb`` (which ``_ncs.cdb`` and ``_confd.cdb`` are).

The C functions are those of include/confd_cdb.h, whose SPEC section says
what goha's CDB is: keypaths stored as their canonical text, sessions
without locks, writes only in CDB_OPERATIONAL sessions, subscription points
delivered in priority order with the commit waiting for the syncs, and the
diff walk.  As in ``_ncs``, a path is always literal (a ``%`` in it is not a
format), a socket is anything with ``fileno()`` (and ``family`` for
connect), CONFD_ERR raises :class:`goha.error.Error` and CONFD_EOF
:class:`goha.error.EOF`.

Typical subscriber (NSO's ``ncs.cdb.Subscriber`` does the same)::

    s = socket.socket(socket.AF_UNIX)
    cdb.connect(s, cdb.SUBSCRIPTION_SOCKET, path="/run/goha/n1.sock")
    point = cdb.subscribe(s, 10, 0, "/hosts/host")
    cdb.subscribe_done(s)
    while True:
        for p in cdb.read_subscription_socket(s):
            cdb.diff_iterate(s, p, iterator, _ncs.ITER_WANT_PREV, state)
        cdb.sync_subscription_socket(s, cdb.DONE_PRIORITY)

Not provided (goha has no schema, MAAPI or two-phase subscriptions):
get_object(s), get_values, set_object/values, cd/pushd, get_modifications,
trigger/replay_subscriptions, sub_abort_trans, mandatory_subscriber,
oper_subscribe.
"""

from __future__ import annotations

from typing import Any, Callable

from . import _sock
from ._callbacks import Pending
from ._ffi import ffi, lib
from .error import confd_check
from .value import Value

__all__ = [
    "connect", "connect_name", "close", "wait_start", "start_session", "start_session2",
    "end_session", "set_namespace", "get", "exists", "set_elem", "get_txid",
    "subscribe", "subscribe2", "subscribe_done", "read_subscription_socket",
    "read_subscription_socket2", "sync_subscription_socket", "diff_iterate", "HKeypathRef",
]

# Constants: confd_cdb.h's names without the CDB_ prefix (spec: _ncs.cdb).
READ_SOCKET: int = lib.CDB_READ_SOCKET
SUBSCRIPTION_SOCKET: int = lib.CDB_SUBSCRIPTION_SOCKET
DATA_SOCKET: int = lib.CDB_DATA_SOCKET
RUNNING: int = lib.CDB_RUNNING
STARTUP: int = lib.CDB_STARTUP
OPERATIONAL: int = lib.CDB_OPERATIONAL
PRE_COMMIT_RUNNING: int = lib.CDB_PRE_COMMIT_RUNNING
SUB_RUNNING: int = lib.CDB_SUB_RUNNING
SUB_RUNNING_TWOPHASE: int = lib.CDB_SUB_RUNNING_TWOPHASE
SUB_OPERATIONAL: int = lib.CDB_SUB_OPERATIONAL
SUB_PREPARE: int = lib.CDB_SUB_PREPARE
SUB_COMMIT: int = lib.CDB_SUB_COMMIT
SUB_ABORT: int = lib.CDB_SUB_ABORT
SUB_OPER: int = lib.CDB_SUB_OPER
DONE_PRIORITY: int = lib.CDB_DONE_PRIORITY
DONE_SOCKET: int = lib.CDB_DONE_SOCKET
DONE_TRANSACTION: int = lib.CDB_DONE_TRANSACTION
DONE_OPERATIONAL: int = lib.CDB_DONE_OPERATIONAL
LOCK_WAIT: int = lib.CDB_LOCK_WAIT
LOCK_SESSION: int = lib.CDB_LOCK_SESSION
LOCK_REQUEST: int = lib.CDB_LOCK_REQUEST
LOCK_PARTIAL: int = lib.CDB_LOCK_PARTIAL
READ_COMMITTED: int = lib.CDB_READ_COMMITTED
SUB_WANT_ABORT_ON_ABORT: int = lib.CDB_SUB_WANT_ABORT_ON_ABORT
SUB_FLAG_IS_LAST: int = lib.CDB_SUB_FLAG_IS_LAST
SUB_FLAG_TRIGGER: int = lib.CDB_SUB_FLAG_TRIGGER
SUB_FLAG_REVERT: int = lib.CDB_SUB_FLAG_REVERT
SUB_FLAG_HA_SYNC: int = lib.CDB_SUB_FLAG_HA_SYNC
SUB_FLAG_HA_IS_SECONDARY: int = lib.CDB_SUB_FLAG_HA_IS_SECONDARY
SUB_FLAG_HA_IS_SLAVE: int = lib.CDB_SUB_FLAG_HA_IS_SLAVE
A_CDB, O_CDB, S_CDB = 1, 2, 3  # enum cdb_dbfile_type (no compaction in goha)
FLAG_INIT, FLAG_UPGRADE = 1, 2  # enum cdb_phase_flags


def _path(fn: str, path: Any) -> bytes:
    """A literal path as a keypath format: every % doubled, as _ncs does."""
    if not isinstance(path, str):
        raise TypeError("path argument must be a string literal")
    if "\0" in path:
        raise ValueError(f"{fn}(): path must not contain NUL")
    return path.replace("%", "%%").encode("utf-8", "surrogateescape")


def _int(fn: str, pos: int, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{fn}() argument {pos} must be int, not {type(v).__name__}")
    return int(v)


def connect(sock: Any, type: int, ip: str | None = None, port: int | None = None,  # noqa: A002
            path: str | None = None) -> None:
    """Connect `sock` to a node's control endpoint as a CDB socket of `type`
    (DATA_SOCKET, READ_SOCKET or SUBSCRIPTION_SOCKET): `path` for AF_UNIX,
    `ip` and `port` for AF_INET/AF_INET6."""
    fd = _sock.fd_of(sock)
    t = _int("connect", 2, type)
    addr, size, _keep = _sock.sockaddr("connect", sock, ip, port, path)
    confd_check(lib.cdb_connect(fd, t, addr, size))


def connect_name(sock: Any, type: int, name: str, ip: str | None = None,  # noqa: A002
                 port: int | None = None, path: str | None = None) -> None:
    """connect() with a name for the connection."""
    fd = _sock.fd_of(sock)
    t = _int("connect_name", 2, type)
    n = _sock.check_str("connect_name", 3, name)
    addr, size, _keep = _sock.sockaddr("connect_name", sock, ip, port, path)
    confd_check(lib.cdb_connect_name(fd, t, addr, size, n.encode()))


def close(sock: Any) -> None:
    """Close a CDB socket.  The library forgets it (a subscription socket's
    points go away) and closes the descriptor; a socket.socket is detached
    first, so it does not close the number again."""
    detach = getattr(sock, "detach", None)
    fd = detach() if callable(detach) else _sock.fd_of(sock)
    if fd >= 0:
        lib.cdb_close(fd)  # closes fd even when it fails, as ConfD's


def wait_start(sock: Any) -> None:
    confd_check(lib.cdb_wait_start(_sock.fd_of(sock)))


def start_session(sock: Any, db: int) -> None:
    confd_check(lib.cdb_start_session(_sock.fd_of(sock), _int("start_session", 2, db)))


def start_session2(sock: Any, db: int, flags: int) -> None:
    confd_check(lib.cdb_start_session2(_sock.fd_of(sock), _int("start_session2", 2, db),
                                       _int("start_session2", 3, flags)))


def end_session(sock: Any) -> None:
    confd_check(lib.cdb_end_session(_sock.fd_of(sock)))


def set_namespace(sock: Any, hashed_ns: int) -> None:
    confd_check(lib.cdb_set_namespace(_sock.fd_of(sock), _int("set_namespace", 2, hashed_ns)))


def get(sock: Any, path: str) -> Value:
    """The leaf at `path` as a Value (strings come back as C_BUF)."""
    fd = _sock.fd_of(sock)
    cv = ffi.new("confd_value_t *")
    confd_check(lib.cdb_get(fd, cv, _path("get", path)))
    try:
        return Value._from_c(cv)
    finally:
        lib.confd_free_value(cv)


def exists(sock: Any, path: str) -> bool:
    return confd_check(lib.cdb_exists(_sock.fd_of(sock), _path("exists", path))) == 1


def set_elem(sock: Any, value: Any, path: str) -> None:
    """Write the leaf at `path` (value first, as _ncs): a Value as it is, a
    str parsed as the leaf's type (cdb_set_elem2).  Only in an OPERATIONAL
    session."""
    fd = _sock.fd_of(sock)
    p = _path("set_elem", path)
    if isinstance(value, Value):
        cv, _keep = value._to_c()
        confd_check(lib.cdb_set_elem(fd, cv, p))
    elif isinstance(value, str):
        confd_check(lib.cdb_set_elem2(fd, value.encode("utf-8"), p))
    else:
        raise TypeError("argument 2 must be _ncs.Value or str")


def get_txid(sock: Any) -> tuple[int, int, int, str | None]:
    """(s1, s2, s3, primary): goha's txid is s1 << 32 | s2; primary is the
    HA primary's node id, None outside HA."""
    t = ffi.new("struct cdb_txid *")
    confd_check(lib.cdb_get_txid(_sock.fd_of(sock), t))
    primary = ffi.string(t.primary).decode("utf-8", "replace")
    return int(t.s1), int(t.s2), int(t.s3), primary or None


def subscribe(sock: Any, prio: int, nspace: int, path: str) -> int:
    """Add a subscription point; returns its id."""
    return subscribe2(sock, SUB_RUNNING, 0, prio, nspace, path)


def subscribe2(sock: Any, type: int, flags: int, prio: int, nspace: int,  # noqa: A002
               path: str) -> int:
    fd = _sock.fd_of(sock)
    args = [_int("subscribe2", i + 2, v) for i, v in enumerate((type, flags, prio, nspace))]
    sp = ffi.new("int *")
    confd_check(lib.cdb_subscribe2(fd, args[0], args[1], args[2], sp, args[3], _path("subscribe2", path)))
    return int(sp[0])


def subscribe_done(sock: Any) -> None:
    confd_check(lib.cdb_subscribe_done(_sock.fd_of(sock)))


def read_subscription_socket2(sock: Any) -> tuple[int, int, list[int]]:
    """(type, flags, [point ids]) of the next notification (blocks until one
    arrives; select() the socket first not to)."""
    fd = _sock.fd_of(sock)
    typ, flags = ffi.new("enum cdb_sub_notification *"), ffi.new("int *")
    arr, n = ffi.new("int **"), ffi.new("int *")
    confd_check(lib.cdb_read_subscription_socket2(fd, typ, flags, arr, n))
    try:
        return int(typ[0]), int(flags[0]), [int(arr[0][i]) for i in range(n[0])]
    finally:
        if arr[0] != ffi.NULL:
            lib.free(arr[0])


def read_subscription_socket(sock: Any) -> list[int]:
    """The point ids of the next notification."""
    return read_subscription_socket2(sock)[2]


def sync_subscription_socket(sock: Any, st: int) -> None:
    confd_check(lib.cdb_sync_subscription_socket(_sock.fd_of(sock), _int("sync_subscription_socket", 2, st)))


class HKeypathRef:
    """A hashed keypath (``_ncs.HKeypathRef``).  The one handed to a
    diff_iterate callback refers to the library's memory and is valid only
    during the call: keep ``kp.dup()``.  ``str(kp)`` is "/a/b{k}/c";
    ``len(kp)`` its elements; ``kp[0]`` the innermost element as a tuple of
    Values (a C_XMLTAG, or a list entry's keys); slicing copies."""

    __slots__ = ("_p", "_keep")

    def __init__(self, p: Any, keep: Any = None) -> None:
        self._p, self._keep = p, keep

    def dup(self) -> "HKeypathRef":
        c = ffi.new("confd_hkeypath_t *")
        ffi.memmove(c, self._p, ffi.sizeof("confd_hkeypath_t"))
        return HKeypathRef(c, c)

    def dup_len(self, n: int) -> "HKeypathRef":
        """A copy of the first (outermost) n elements."""
        c = self.dup()
        n = max(0, min(int(n), len(self)))
        rows = [bytes(ffi.buffer(ffi.addressof(c._p.v[i]), ffi.sizeof(c._p.v[i])))
                for i in range(len(self) - n, len(self))]
        for i, raw in enumerate(rows):
            ffi.memmove(ffi.addressof(c._p.v[i]), raw, len(raw))
        c._p.len = n
        return c

    def __len__(self) -> int:
        return int(self._p.len)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            # kp[k:] drops the k innermost elements: the ancestor's keypath.
            if i.stop is not None or i.step not in (None, 1):
                raise IndexError("only kp[k:] slices are supported")
            start = i.indices(len(self))[0]
            return self.dup_len(len(self) - start)
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("keypath index out of range")
        row = self._p.v[i]
        out = []
        for j in range(18):
            if row[j].type == lib.C_NOEXISTS or (j > 0 and row[0].type == lib.C_XMLTAG):
                break
            out.append(Value._from_c(row[j]))
        return tuple(out)

    def __str__(self) -> str:
        n = lib.confd_pp_kpath(ffi.NULL, 0, self._p)
        if n < 0:
            return "<bad keypath>"
        buf = ffi.new("char[]", n + 1)
        lib.confd_pp_kpath(buf, n + 1, self._p)
        return str(ffi.string(buf).decode("utf-8", "replace"))

    def __repr__(self) -> str:
        return f"<goha.HKeypathRef {self}>"


class _Walk:
    """One diff_iterate call: the Python iterator and its outcome."""

    def __init__(self, fn: Callable[..., Any], state: Any) -> None:
        self.fn, self.state = fn, state
        self.last = int(lib.ITER_STOP)
        self.pending = Pending()


def _iter_fn(kp: Any, op: int, oldv: Any, newv: Any, state: Any) -> int:
    w = ffi.from_handle(state)
    try:
        r = w.fn(HKeypathRef(kp), int(op),
                 None if oldv == ffi.NULL else Value._from_c(oldv),
                 None if newv == ffi.NULL else Value._from_c(newv), w.state)
        # _ncs: a None or non-int return counts as ITER_STOP.
        ret = int(r) if isinstance(r, int) and not isinstance(r, bool) else int(lib.ITER_STOP)
    except BaseException as e:  # noqa: BLE001 - re-raised by diff_iterate
        w.pending.add(e)
        ret = int(lib.ITER_STOP)
    w.last = ret
    return ret


_iter_tramp: Any = ffi.callback("goha_py_iter_fn", _iter_fn, error=int(lib.ITER_STOP))


def diff_iterate(sock: Any, subid: int, iter: Callable[..., Any], flags: int,  # noqa: A002
                 initstate: Any) -> int:
    """Walk what the notification just read changed below point `subid`,
    calling iter(kp, op, oldv, newv, state) per node; returns what the
    last call returned.  Return ITER_RECURSE explicitly to go on (None
    stops).  An exception in iter stops the walk and is raised here."""
    fd = _sock.fd_of(sock)
    if not callable(iter):
        raise TypeError("iter argument must be callable")
    w = _Walk(iter, initstate)
    h = ffi.new_handle(w)
    rc = lib.cdb_diff_iterate(fd, _int("diff_iterate", 2, subid), _iter_tramp,
                              _int("diff_iterate", 4, flags), h)
    w.pending.reraise()
    confd_check(rc)
    return w.last
