"""goha.cmm: the Cluster Membership Monitor (NHAS CMM API) over libgoha.

CMM state is per process in C (one daemon connection, one notification
callback), so this module is a set of functions plus one
:class:`Notifications` object at a time.  The daemon is the local gohad
named by ``$GOHA_IPC`` (read when the connection is opened).

Members are :class:`Member` dataclasses (``is_master``, ``is_qualified``...
computed from ``sflag`` exactly as the C predicates do).  Errors raise
:class:`goha.error.CmmError` (``code`` is the ``CMM_E*`` value, ``name`` its
symbolic name).

Notifications::

    with cmm.Notifications() as n:          # cmm_cmc_register
        for change in n.events(timeout=5):  # select() + cmm_notify_dispatch
            print(change.name, change.nodeid)

or pass ``callback=`` and call :meth:`Notifications.dispatch` when
:meth:`Notifications.fileno` is readable; an exception raised by the
callback is re-raised by that dispatch call.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Optional

from ._callbacks import Pending, drain
from ._ffi import ffi, lib
from ._managed import Managed
from .error import CmmError, cmm_check

__all__ = [
    "Member", "Change", "Notifications", "CmmError", "connect", "disconnect",
    "node_getid", "member_getinfo", "potential_getinfo", "master_getinfo",
    "vicemaster_getinfo", "member_getcount", "member_getall",
    "mastership_release", "membership_remove", "member_setqualif",
    "member_seizequalif", "config_reload", "strerror",
]

# Status codes, changes, qualifications and filter actions (C values).
OK: int = lib.CMM_OK
ECONN: int = lib.CMM_ECONN
ESRCH: int = lib.CMM_ESRCH
EINVAL: int = lib.CMM_EINVAL
EPERM: int = lib.CMM_EPERM
EEXIST: int = lib.CMM_EEXIST
ENOENT: int = lib.CMM_ENOENT
ENOMSG: int = lib.CMM_ENOMSG
ERANGE: int = lib.CMM_ERANGE
ENOCLUSTER: int = lib.CMM_ENOCLUSTER
ECANCELED: int = lib.CMM_ECANCELED
ETIMEDOUT: int = lib.CMM_ETIMEDOUT
EBADF: int = lib.CMM_EBADF
EBUSY: int = lib.CMM_EBUSY
ENOTSUP: int = lib.CMM_ENOTSUP
MASTER_ELECTED: int = lib.CMM_MASTER_ELECTED
MASTER_DEMOTED: int = lib.CMM_MASTER_DEMOTED
VICEMASTER_ELECTED: int = lib.CMM_VICEMASTER_ELECTED
VICEMASTER_DEMOTED: int = lib.CMM_VICEMASTER_DEMOTED
MEMBER_JOINED: int = lib.CMM_MEMBER_JOINED
MEMBER_LEFT: int = lib.CMM_MEMBER_LEFT
QUALIFIED_MEMBER: int = lib.CMM_QUALIFIED_MEMBER
DISQUALIFIED_MEMBER: int = lib.CMM_DISQUALIFIED_MEMBER
CMC_NOTIFY_ADD: int = lib.CMM_CMC_NOTIFY_ADD
CMC_NOTIFY_REM: int = lib.CMM_CMC_NOTIFY_REM
CMC_NOTIFY_SET: int = lib.CMM_CMC_NOTIFY_SET
CMC_NOTIFY_ALL: int = lib.CMM_CMC_NOTIFY_ALL
CMC_NOTIFY_NONE: int = lib.CMM_CMC_NOTIFY_NONE

_CHANGE_NAMES = {
    getattr(lib, n): n[4:]
    for n in dir(lib)
    if n.startswith("CMM_") and 250 <= getattr(lib, n) <= 260 and n != "CMM_MAX_MEMBERS"
}


def strerror(code: int) -> str:
    """cmm_strerror(): the symbolic name of a status code."""
    return str(ffi.string(lib.cmm_strerror(code)).decode())


def _text(a: Any) -> str:
    return str(ffi.string(a).decode("utf-8", "replace"))


@dataclass(frozen=True)
class Member:
    """One node (cmm_member_t)."""

    nodeid: int
    name: str
    addr: str
    domainid: int
    sflag: int
    incarnation_number: int
    software_load_id: str

    @classmethod
    def _from_c(cls, m: Any) -> "Member":
        return cls(int(m.nodeid), _text(m.name), _text(m.addr), int(m.domainid),
                   int(m.sflag), int(m.incarnation_number), _text(m.software_load_id))

    @property
    def is_master(self) -> bool:
        return bool(self.sflag & lib.CMM_MASTER)

    @property
    def is_vicemaster(self) -> bool:
        return bool(self.sflag & lib.CMM_VICEMASTER)

    @property
    def is_out_of_cluster(self) -> bool:
        return bool(self.sflag & lib.CMM_OUT_OF_CLUSTER)

    @property
    def is_eligible(self) -> bool:
        return bool(self.sflag & lib.CMM_ELIGIBLE_MEMBER)

    @property
    def is_frozen(self) -> bool:
        return bool(self.sflag & lib.CMM_FROZEN_MEMBER)

    @property
    def is_excluded(self) -> bool:
        return bool(self.sflag & lib.CMM_EXCLUDED_MEMBER)

    @property
    def is_disqualified(self) -> bool:
        return bool(self.sflag & lib.CMM_FLAG_DISQUALIFIED)

    @property
    def is_qualified(self) -> bool:
        return self.is_eligible and not self.is_disqualified

    @property
    def is_desynchronized(self) -> bool:
        return bool(self.sflag & lib.CMM_FLAG_SYNCHRO_NEEDED)


@dataclass(frozen=True)
class Change:
    """One membership change notification."""

    cmchange: int
    nodeid: int

    @property
    def name(self) -> str:
        """"MASTER_ELECTED", "MEMBER_LEFT", ..."""
        return _CHANGE_NAMES.get(self.cmchange, f"UNKNOWN({self.cmchange})")


def _nodeid(fn: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{fn}: nodeid must be int, not {type(v).__name__}")
    if not 0 <= v < 2**32:
        raise ValueError(f"{fn}: nodeid {v} is out of range")
    return v


def connect(timeout: float = 5.0) -> None:
    """Check that gohad answers and set the per-call timeout (seconds; 0 means
    the default, 5 s, as cmm_connect({0, 0}) does)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"connect: timeout must be a number, not {type(timeout).__name__}")
    ts = ffi.new("timespec_t *")
    if timeout != timeout or timeout in (float("inf"), float("-inf")):
        raise ValueError("connect: timeout must be finite")
    sec = int(timeout)
    ts.tv_sec = sec
    ts.tv_nsec = min(int(round((timeout - sec) * 1e9)), 999_999_999) if timeout >= 0 else 0
    cmm_check("cmm_connect", lib.cmm_connect(ts[0]))


def disconnect() -> None:
    cmm_check("cmm_disconnect", lib.cmm_disconnect())


def node_getid() -> int:
    """The local node's id."""
    me = ffi.new("cmm_nodeid_t *")
    cmm_check("cmm_node_getid", lib.cmm_node_getid(me))
    return int(me[0])


def _member(call: str, fn: Callable[..., int], *args: Any) -> Member:
    m = ffi.new("cmm_member_t *")
    cmm_check(call, fn(*args, m))
    return Member._from_c(m)


def member_getinfo(nodeid: int) -> Member:
    """A node that is in the local node's cluster (CMM_ESRCH otherwise)."""
    return _member("cmm_member_getinfo", lib.cmm_member_getinfo, _nodeid("member_getinfo", nodeid))


def potential_getinfo(nodeid: int) -> Member:
    """Any configured node, also one out of the cluster."""
    return _member("cmm_potential_getinfo", lib.cmm_potential_getinfo,
                   _nodeid("potential_getinfo", nodeid))


def master_getinfo() -> Member:
    """The current master (CMM_ENOCLUSTER when none is elected)."""
    return _member("cmm_master_getinfo", lib.cmm_master_getinfo)


def vicemaster_getinfo() -> Member:
    return _member("cmm_vicemaster_getinfo", lib.cmm_vicemaster_getinfo)


def member_getcount() -> int:
    n = ffi.new("uint32_t *")
    cmm_check("cmm_member_getcount", lib.cmm_member_getcount(n))
    return int(n[0])


def member_getall() -> list[Member]:
    """Every node in the cluster, by node id."""
    n = ffi.new("uint32_t *")
    size = max(member_getcount(), 1)
    for _ in range(8):  # the membership may grow between the calls
        table = ffi.new("cmm_member_t[]", size)
        rc = lib.cmm_member_getall(size, table, n)
        if rc == lib.CMM_ERANGE:
            size = max(int(n[0]), size + 1)
            continue
        cmm_check("cmm_member_getall", rc)
        return [Member._from_c(table[i]) for i in range(int(n[0]))]
    raise CmmError("cmm_member_getall", lib.CMM_ERANGE, "membership kept growing")


def mastership_release() -> None:
    cmm_check("cmm_mastership_release", lib.cmm_mastership_release())


def membership_remove() -> None:
    cmm_check("cmm_membership_remove", lib.cmm_membership_remove())


def member_setqualif(nodeid: int, qualif: int) -> None:
    """QUALIFIED_MEMBER or DISQUALIFIED_MEMBER (on the master)."""
    if isinstance(qualif, bool) or not isinstance(qualif, int):
        raise TypeError("member_setqualif: qualif must be int")
    cmm_check("cmm_member_setqualif",
              lib.cmm_member_setqualif(_nodeid("member_setqualif", nodeid), qualif))


def member_seizequalif() -> None:
    cmm_check("cmm_member_seizequalif", lib.cmm_member_seizequalif())


def config_reload() -> None:
    cmm_check("cmm_config_reload", lib.cmm_config_reload())


# -- notifications -------------------------------------------------------

_current: Optional["Notifications"] = None
_current_lock = threading.Lock()


def _cmm_fn(note: Any, _client_data: Any) -> None:
    n = _current
    if n is None:
        return
    try:
        ch = Change(int(note.cmchange), int(note.nodeid))
        if n._collecting:
            n._queue.append(ch)
        if n._callback is not None:
            n._callback(ch)
    except BaseException as e:  # noqa: BLE001 - parked, re-raised by dispatch
        n._pending.add(e)


_cmm_tramp: Any = ffi.callback("void(const cmm_cmc_notification_t *, void *)", _cmm_fn)


class Notifications(Managed):
    """The process's CMM notification registration (cmm_cmc_register).

    Only one may be open at a time (CmmError CMM_EEXIST otherwise); close()
    unregisters.
    """

    def __init__(self, callback: Optional[Callable[[Change], Any]] = None) -> None:
        global _current
        super().__init__()
        self._callback = callback
        self._pending = Pending()
        self._queue: collections.deque[Change] = collections.deque()
        self._collecting = 0
        with _current_lock:
            rc = lib.cmm_cmc_register(_cmm_tramp, ffi.NULL)
            cmm_check("cmm_cmc_register", rc)
            _current = self
        self._open = True

    def _close(self) -> None:
        global _current
        with _current_lock:
            if _current is self:
                _current = None
            cmm_check("cmm_cmc_unregister", lib.cmm_cmc_unregister())

    def filter(self, action: int, changes: Iterable[int] = ()) -> None:
        """cmm_cmc_filter: CMC_NOTIFY_ADD/REM/SET with `changes`, or ALL/NONE."""
        lst = [int(c) for c in changes]
        arr = ffi.new("cmm_cmchanges_t[]", lst) if lst else ffi.NULL
        cmm_check("cmm_cmc_filter", lib.cmm_cmc_filter(action, arr, len(lst)))

    def fileno(self) -> int:
        fd = ffi.new("int *")
        cmm_check("cmm_notify_getfd", lib.cmm_notify_getfd(fd))
        return int(fd[0])

    def dispatch(self) -> bool:
        """Deliver the pending notifications; False if there were none.
        Re-raises the first exception the callback raised."""
        rc = lib.cmm_notify_dispatch()
        self._pending.reraise()
        if rc == lib.CMM_ENOMSG:
            return False
        cmm_check("cmm_notify_dispatch", rc)
        return True

    def events(self, timeout: float | None = None) -> Iterator[Change]:
        """Yield changes as they arrive, until `timeout` seconds pass without
        one (None: forever)."""
        fd = self.fileno()
        self._collecting += 1
        try:
            yield from drain(fd, self._queue, self.dispatch, timeout)
        finally:
            self._collecting -= 1
            if not self._collecting:
                self._queue.clear()
