"""goha.votequorum: corosync votequorum over libgoha, the Pythonic way.

:class:`Connection` wraps one ``votequorum_handle_t`` of the local gohad
(named by ``$GOHA_IPC``, read when the Connection is created).  It is a
context manager; ``close()`` finalizes the handle.

Notifications: pass callables (``quorum=``, ``nodelist=``, ``expected=``),
each taking one event object, call :meth:`Connection.trackstart`, and run
:meth:`Connection.dispatch` when :meth:`Connection.fileno` is readable --
or simply iterate :meth:`Connection.events`.  Callbacks run inside
dispatch, on the calling thread; an exception raised by a callback is
re-raised by that dispatch call.

Errors raise :class:`goha.error.CsError` (``code`` is the ``CS_ERR_*`` value).

Example::

    with votequorum.Connection() as vq:
        print(vq.getinfo().quorate)
        vq.trackstart(votequorum.CS_TRACK_CHANGES)
        for ev in vq.events(timeout=5):
            print(ev)
"""

from __future__ import annotations

import collections
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, Union

from ._callbacks import Pending, drain
from ._ffi import ffi, lib
from ._managed import Managed
from .error import CsError, cs_check

__all__ = [
    "Connection", "Info", "NodeState", "RingId", "QuorumEvent", "NodelistEvent",
    "ExpectedEvent", "Event", "CsError",
]

# Constants (corosync values).
CS_OK: int = lib.CS_OK
CS_ERR_LIBRARY: int = lib.CS_ERR_LIBRARY
CS_ERR_TRY_AGAIN: int = lib.CS_ERR_TRY_AGAIN
CS_ERR_INVALID_PARAM: int = lib.CS_ERR_INVALID_PARAM
CS_ERR_BAD_HANDLE: int = lib.CS_ERR_BAD_HANDLE
CS_ERR_ACCESS: int = lib.CS_ERR_ACCESS
CS_ERR_NOT_EXIST: int = lib.CS_ERR_NOT_EXIST
CS_ERR_EXIST: int = lib.CS_ERR_EXIST
CS_ERR_NAME_NOT_FOUND: int = lib.CS_ERR_NAME_NOT_FOUND
CS_ERR_MESSAGE_ERROR: int = lib.CS_ERR_MESSAGE_ERROR
CS_DISPATCH_ONE: int = lib.CS_DISPATCH_ONE
CS_DISPATCH_ALL: int = lib.CS_DISPATCH_ALL
CS_DISPATCH_BLOCKING: int = lib.CS_DISPATCH_BLOCKING
CS_DISPATCH_ONE_NONBLOCKING: int = lib.CS_DISPATCH_ONE_NONBLOCKING
CS_TRACK_CURRENT: int = lib.CS_TRACK_CURRENT
CS_TRACK_CHANGES: int = lib.CS_TRACK_CHANGES
CS_TRACK_CHANGES_ONLY: int = lib.CS_TRACK_CHANGES_ONLY
NODESTATE_MEMBER: int = lib.VOTEQUORUM_NODESTATE_MEMBER
NODESTATE_DEAD: int = lib.VOTEQUORUM_NODESTATE_DEAD
NODESTATE_LEAVING: int = lib.VOTEQUORUM_NODESTATE_LEAVING
INFO_TWONODE: int = lib.VOTEQUORUM_INFO_TWONODE
INFO_QUORATE: int = lib.VOTEQUORUM_INFO_QUORATE
INFO_WAIT_FOR_ALL: int = lib.VOTEQUORUM_INFO_WAIT_FOR_ALL
INFO_LAST_MAN_STANDING: int = lib.VOTEQUORUM_INFO_LAST_MAN_STANDING
INFO_AUTO_TIE_BREAKER: int = lib.VOTEQUORUM_INFO_AUTO_TIE_BREAKER
INFO_ALLOW_DOWNSCALE: int = lib.VOTEQUORUM_INFO_ALLOW_DOWNSCALE
INFO_QDEVICE_REGISTERED: int = lib.VOTEQUORUM_INFO_QDEVICE_REGISTERED
INFO_QDEVICE_ALIVE: int = lib.VOTEQUORUM_INFO_QDEVICE_ALIVE
INFO_QDEVICE_CAST_VOTE: int = lib.VOTEQUORUM_INFO_QDEVICE_CAST_VOTE
INFO_QDEVICE_MASTER_WINS: int = lib.VOTEQUORUM_INFO_QDEVICE_MASTER_WINS
QDEVICE_NODEID: int = lib.VOTEQUORUM_QDEVICE_NODEID


@dataclass(frozen=True)
class Info:
    """votequorum_getinfo() of one node (struct votequorum_info)."""

    node_id: int
    node_state: int
    node_votes: int
    node_expected_votes: int
    highest_expected: int
    total_votes: int
    quorum: int
    flags: int
    qdevice_votes: int
    qdevice_name: str

    @property
    def quorate(self) -> bool:
        return bool(self.flags & INFO_QUORATE)


@dataclass(frozen=True)
class NodeState:
    nodeid: int
    state: int  # NODESTATE_*; 0 for the quorum device


@dataclass(frozen=True)
class RingId:
    nodeid: int
    seq: int


@dataclass(frozen=True)
class QuorumEvent:
    """QUORUM notification: every known node and whether we are quorate."""

    context: int
    quorate: bool
    nodes: tuple[NodeState, ...]


@dataclass(frozen=True)
class NodelistEvent:
    """NODELIST notification: the members of a new membership and its ring id."""

    context: int
    ring_id: RingId
    members: tuple[int, ...]


@dataclass(frozen=True)
class ExpectedEvent:
    """EXPECTED notification: the local node's new expected votes."""

    context: int
    expected_votes: int


Event = Union[QuorumEvent, NodelistEvent, ExpectedEvent]
Callback = Optional[Callable[[Any], Any]]

# Handle -> Connection, for the trampolines (weak: a forgotten Connection is
# still collected and finalized by __del__).
_by_handle: "weakref.WeakValueDictionary[int, Connection]" = weakref.WeakValueDictionary()


def _deliver(handle: int, make: Callable[[], Event], which: str) -> None:
    conn = _by_handle.get(int(handle))
    if conn is None:
        return
    try:
        ev = make()
        if conn._collecting:
            conn._queue.append(ev)
        cb = getattr(conn, which)
        if cb is not None:
            cb(ev)
    except BaseException as e:  # noqa: BLE001 - parked, re-raised by dispatch
        conn._pending.add(e)


def _quorum_fn(handle: int, context: int, quorate: int, n: int, nodes: Any) -> None:
    _deliver(handle, lambda: QuorumEvent(
        int(context), bool(quorate),
        tuple(NodeState(int(nodes[i].nodeid), int(nodes[i].state)) for i in range(n))),
        "_on_quorum")


def _nodelist_fn(handle: int, context: int, ring: Any, n: int, nodes: Any) -> None:
    rid = RingId(int(ring.nodeid), int(ring.seq))
    _deliver(handle, lambda: NodelistEvent(
        int(context), rid, tuple(int(nodes[i]) for i in range(n))), "_on_nodelist")


def _expected_fn(handle: int, context: int, expected: int) -> None:
    _deliver(handle, lambda: ExpectedEvent(int(context), int(expected)), "_on_expected")


# The C trampolines live as long as the module (cffi keeps them alive here).
_quorum_tramp: Any = ffi.callback(
    "void(votequorum_handle_t, uint64_t, uint32_t, uint32_t, votequorum_node_t[])", _quorum_fn)
_nodelist_tramp: Any = ffi.callback(
    "void(votequorum_handle_t, uint64_t, votequorum_ring_id_t, uint32_t, uint32_t[])", _nodelist_fn)
_expected_tramp: Any = ffi.callback("void(votequorum_handle_t, uint64_t, uint32_t)", _expected_fn)

_callbacks = ffi.new("votequorum_callbacks_t *")
_callbacks.votequorum_quorum_notify_fn = _quorum_tramp
_callbacks.votequorum_expectedvotes_notify_fn = _expected_tramp
_callbacks.votequorum_nodelist_notify_fn = _nodelist_tramp


def _name(fn: str, name: Any) -> bytes:
    if not isinstance(name, str):
        raise TypeError(f"{fn}: name must be str, not {type(name).__name__}")
    return name.encode()


def _uint(fn: str, what: str, v: Any, bits: int = 32) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{fn}: {what} must be int, not {type(v).__name__}")
    if not 0 <= v < 2**bits:
        raise ValueError(f"{fn}: {what} {v} is out of range [0, {2**bits - 1}]")
    return v


class Connection(Managed):
    """One votequorum handle of the local gohad (see the module docstring)."""

    def __init__(self, quorum: Callback = None, nodelist: Callback = None,
                 expected: Callback = None) -> None:
        super().__init__()
        self._on_quorum = quorum
        self._on_nodelist = nodelist
        self._on_expected = expected
        self._pending = Pending()
        self._queue: collections.deque[Event] = collections.deque()
        self._collecting = 0
        self._lock = threading.Lock()
        h = ffi.new("votequorum_handle_t *")
        rc = lib.votequorum_initialize(h, _callbacks)
        if rc != lib.CS_OK:
            raise CsError("votequorum_initialize", rc, _errmsg0())
        self.handle = int(h[0])
        _by_handle[self.handle] = self
        self._open = True

    def _close(self) -> None:
        rc = lib.votequorum_finalize(self.handle)
        _by_handle.pop(self.handle, None)
        cs_check("votequorum_finalize", rc, self.handle)

    def _h(self) -> int:
        if not self._open:
            raise CsError("votequorum", lib.CS_ERR_BAD_HANDLE, "the connection is closed")
        return self.handle

    # -- queries and settings -------------------------------------------
    def getinfo(self, nodeid: int = 0) -> Info:
        """Quorum state as seen by `nodeid` (0: the local node)."""
        _uint("getinfo", "nodeid", nodeid)
        info = ffi.new("struct votequorum_info *")
        h = self._h()
        cs_check("votequorum_getinfo", lib.votequorum_getinfo(h, nodeid, info), h)
        return Info(
            int(info.node_id), int(info.node_state), int(info.node_votes),
            int(info.node_expected_votes), int(info.highest_expected),
            int(info.total_votes), int(info.quorum), int(info.flags),
            int(info.qdevice_votes), ffi.string(info.qdevice_name).decode("utf-8", "replace"))

    def setexpected(self, expected_votes: int) -> None:
        _uint("setexpected", "expected_votes", expected_votes)
        h = self._h()
        cs_check("votequorum_setexpected", lib.votequorum_setexpected(h, expected_votes), h)

    def setvotes(self, nodeid: int, votes: int) -> None:
        _uint("setvotes", "nodeid", nodeid)
        _uint("setvotes", "votes", votes)
        h = self._h()
        cs_check("votequorum_setvotes", lib.votequorum_setvotes(h, nodeid, votes), h)

    def trackstart(self, flags: int = CS_TRACK_CHANGES, context: int = 0) -> None:
        """Start notifications (CS_TRACK_CURRENT/CHANGES/CHANGES_ONLY); every
        event carries `context`."""
        _uint("trackstart", "flags", flags)
        _uint("trackstart", "context", context, 64)
        h = self._h()
        cs_check("votequorum_trackstart", lib.votequorum_trackstart(h, context, flags), h)

    def trackstop(self) -> None:
        h = self._h()
        cs_check("votequorum_trackstop", lib.votequorum_trackstop(h), h)

    # -- quorum device ----------------------------------------------------
    def qdevice_register(self, name: str) -> None:
        h = self._h()
        cs_check("votequorum_qdevice_register",
                 lib.votequorum_qdevice_register(h, _name("qdevice_register", name)), h)

    def qdevice_unregister(self, name: str) -> None:
        h = self._h()
        cs_check("votequorum_qdevice_unregister",
                 lib.votequorum_qdevice_unregister(h, _name("qdevice_unregister", name)), h)

    def qdevice_update(self, oldname: str, newname: str) -> None:
        h = self._h()
        cs_check("votequorum_qdevice_update", lib.votequorum_qdevice_update(
            h, _name("qdevice_update", oldname), _name("qdevice_update", newname)), h)

    def qdevice_poll(self, name: str, cast_vote: bool, ring_id: RingId) -> None:
        rid = ffi.new("votequorum_ring_id_t *", {"nodeid": ring_id.nodeid, "seq": ring_id.seq})
        h = self._h()
        cs_check("votequorum_qdevice_poll", lib.votequorum_qdevice_poll(
            h, _name("qdevice_poll", name), 1 if cast_vote else 0, rid[0]), h)

    def qdevice_master_wins(self, name: str, allow: bool) -> None:
        h = self._h()
        cs_check("votequorum_qdevice_master_wins", lib.votequorum_qdevice_master_wins(
            h, _name("qdevice_master_wins", name), 1 if allow else 0), h)

    # -- events -------------------------------------------------------------
    def fileno(self) -> int:
        """An fd that is readable while events are pending (for selectors)."""
        fd = ffi.new("int *")
        h = self._h()
        cs_check("votequorum_fd_get", lib.votequorum_fd_get(h, fd), h)
        return int(fd[0])

    def dispatch(self, flags: int = CS_DISPATCH_ALL) -> bool:
        """Run the callbacks of pending events (CS_DISPATCH_* as in C).

        Returns False when CS_DISPATCH_ONE_NONBLOCKING found nothing, else
        True.  CS_DISPATCH_BLOCKING returns when the connection is closed.
        Re-raises the first exception a callback raised.
        """
        _uint("dispatch", "flags", flags)
        if flags == CS_DISPATCH_BLOCKING:
            while self._open:
                h = self.handle
                rc = lib.votequorum_dispatch(h, CS_DISPATCH_ONE)
                self._pending.reraise()
                if rc != lib.CS_OK and not self._open:
                    # Closed meanwhile (by another thread or a callback):
                    # whatever the interrupted call reports, we are done.
                    return True
                cs_check("votequorum_dispatch", rc, h)
            return True
        h = self._h() if flags in (1, 2, 4) else self.handle
        rc = lib.votequorum_dispatch(h, flags)
        self._pending.reraise()
        if rc == lib.CS_ERR_TRY_AGAIN and flags == CS_DISPATCH_ONE_NONBLOCKING:
            return False
        if rc != lib.CS_OK and not self._open:
            return True  # a callback or another thread closed the connection
        cs_check("votequorum_dispatch", rc, h)
        return True

    def events(self, timeout: float | None = None) -> Iterator[Event]:
        """Yield events as they arrive, until `timeout` seconds pass without
        one (None: forever).  Callbacks given to the constructor still run."""
        fd = self.fileno()
        with self._lock:
            self._collecting += 1
        try:
            yield from drain(fd, self._queue, lambda: self.dispatch(CS_DISPATCH_ALL), timeout)
        finally:
            with self._lock:
                self._collecting -= 1
                if not self._collecting:
                    self._queue.clear()


def _errmsg0() -> str:
    from ._ffi import errmsg
    return errmsg(0)
