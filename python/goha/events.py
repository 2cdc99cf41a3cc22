"""goha.events: HA notifications, with the interface of NSO's ``_ncs.events``.

Connect a stream socket with :func:`notifications_connect` and a mask that
contains ``NOTIF_HA_INFO`` (optionally ``| NOTIF_HA_INFO_SYNC``), wait until
it is readable (``select``/``selectors``), and call :func:`read_notification`.
The result is a dict::

    {"type": NOTIF_HA_INFO,
     "hnot": {"type": HA_INFO_SECONDARY_ARRIVED,
              "secondary_arrived": {"nodeid": Value("n2"), "af": AF_INET, "ip4": "127.0.0.1"},
              "slave_arrived": <same>}}

``hnot`` holds, by type: ``noprimary`` (the reason: ERR_HA_CLOSED or
ERR_HA_NOTICK), ``secondary_died`` / ``secondary_arrived`` (a node dict:
``nodeid`` as goha.Value, ``af``, and ``ip4``, ``ip6`` or ``str``),
``cdb_initialized_by_copy`` (1 if the whole store was copied),
``besecondary_result`` (0 or an ERR_HA_* code); IS_PRIMARY and IS_NONE carry
nothing.  The old names (``nomaster``, ``slave_died``, ``slave_arrived``,
``beslave_result``) are present too, as in ``_ncs``.

With NOTIF_HA_INFO_SYNC gohad holds its HA processing after each event
until :func:`sync_ha_notification` is called.
"""

from __future__ import annotations

import socket
from typing import Any

from . import _sock
from ._ffi import ffi, lib
from .error import confd_check
from .value import Value

__all__ = [
    "notifications_connect", "notifications_connect2", "NotificationsData",
    "read_notification", "sync_ha_notification",
    "NOTIF_HA_INFO", "NOTIF_HA_INFO_SYNC",
    "HA_INFO_NOPRIMARY", "HA_INFO_SECONDARY_DIED", "HA_INFO_SECONDARY_ARRIVED",
    "HA_INFO_SECONDARY_INITIALIZED", "HA_INFO_IS_PRIMARY", "HA_INFO_IS_NONE",
    "HA_INFO_BESECONDARY_RESULT", "HA_INFO_NOMASTER", "HA_INFO_SLAVE_DIED",
    "HA_INFO_SLAVE_ARRIVED", "HA_INFO_SLAVE_INITIALIZED", "HA_INFO_IS_MASTER",
    "HA_INFO_BESLAVE_RESULT",
]

NOTIF_HA_INFO: int = lib.CONFD_NOTIF_HA_INFO
NOTIF_HA_INFO_SYNC: int = lib.CONFD_NOTIF_HA_INFO_SYNC
# Every other kind, with its C value: accepted in a mask, never delivered
# (goha produces only the HA notifications).
NOTIF_AUDIT: int = lib.CONFD_NOTIF_AUDIT
NOTIF_DAEMON: int = lib.CONFD_NOTIF_DAEMON
NOTIF_TAKEOVER_SYSLOG: int = lib.CONFD_NOTIF_TAKEOVER_SYSLOG
NOTIF_COMMIT_SIMPLE: int = lib.CONFD_NOTIF_COMMIT_SIMPLE
NOTIF_COMMIT_DIFF: int = lib.CONFD_NOTIF_COMMIT_DIFF
NOTIF_USER_SESSION: int = lib.CONFD_NOTIF_USER_SESSION
NOTIF_SUBAGENT_INFO: int = lib.CONFD_NOTIF_SUBAGENT_INFO
NOTIF_COMMIT_FAILED: int = lib.CONFD_NOTIF_COMMIT_FAILED
NOTIF_SNMPA: int = lib.CONFD_NOTIF_SNMPA
NOTIF_FORWARD_INFO: int = lib.CONFD_NOTIF_FORWARD_INFO
NOTIF_NETCONF: int = lib.CONFD_NOTIF_NETCONF
NOTIF_DEVEL: int = lib.CONFD_NOTIF_DEVEL
NOTIF_HEARTBEAT: int = lib.CONFD_NOTIF_HEARTBEAT
NOTIF_CONFIRMED_COMMIT: int = lib.CONFD_NOTIF_CONFIRMED_COMMIT
NOTIF_UPGRADE_EVENT: int = lib.CONFD_NOTIF_UPGRADE_EVENT
NOTIF_COMMIT_PROGRESS: int = lib.CONFD_NOTIF_COMMIT_PROGRESS
NOTIF_AUDIT_SYNC: int = lib.CONFD_NOTIF_AUDIT_SYNC
NOTIF_HEALTH_CHECK: int = lib.CONFD_NOTIF_HEALTH_CHECK
NOTIF_STREAM_EVENT: int = lib.CONFD_NOTIF_STREAM_EVENT
NOTIF_REOPEN_LOGS: int = lib.CONFD_NOTIF_REOPEN_LOGS
NOTIF_PROGRESS: int = lib.CONFD_NOTIF_PROGRESS
NOTIF_JSONRPC: int = lib.CONFD_NOTIF_JSONRPC
NOTIF_WEBUI: int = lib.CONFD_NOTIF_WEBUI
NOTIF_COMPACTION: int = lib.CONFD_NOTIF_COMPACTION
NOTIF_SYSTEM_GOING_DOWN: int = lib.CONFD_NOTIF_SYSTEM_GOING_DOWN
NOTIF_SYSLOG: int = lib.CONFD_NOTIF_SYSLOG
NOTIF_SYSLOG_TAKEOVER: int = lib.CONFD_NOTIF_SYSLOG_TAKEOVER
# NSO's own kinds (only in _ncs.events, not _confd.events).
NCS_NOTIF_PACKAGE_RELOAD: int = lib.NCS_NOTIF_PACKAGE_RELOAD
NCS_NOTIF_CQ_PROGRESS: int = lib.NCS_NOTIF_CQ_PROGRESS
NCS_NOTIF_CALL_HOME_INFO: int = lib.NCS_NOTIF_CALL_HOME_INFO
NCS_NOTIF_AUDIT_NETWORK: int = lib.NCS_NOTIF_AUDIT_NETWORK
NCS_NOTIF_AUDIT_NETWORK_SYNC: int = lib.NCS_NOTIF_AUDIT_NETWORK_SYNC
NOTIF_COMMIT_FLAG_CONFIRMED: int = 1
NOTIF_COMMIT_FLAG_CONFIRMED_EXTENDED: int = 2
# Values of the fields of the kinds goha does not produce (spec 4.2).
SUBAGENT_INFO_UP, SUBAGENT_INFO_DOWN = 1, 2
FORWARD_INFO_UP, FORWARD_INFO_DOWN, FORWARD_INFO_FAILED = 1, 2, 3
COMPACTION_A_CDB, COMPACTION_O_CDB, COMPACTION_S_CDB = 1, 2, 3
COMPACTION_AUTOMATIC, COMPACTION_MANUAL = 1, 2
DP_CDB, DP_NETCONF, DP_EXTERNAL, DP_SNMPGW, DP_JAVASCRIPT = 1, 2, 3, 4, 5
CONFIRMED_COMMIT, CONFIRMING_COMMIT, ABORT_COMMIT = 1, 2, 3
UPGRADE_INIT_STARTED, UPGRADE_INIT_SUCCEEDED, UPGRADE_PERFORMED = 1, 2, 3
UPGRADE_COMMITED, UPGRADE_ABORTED = 4, 5
PROGRESS_ATTRIBUTE_STRING, PROGRESS_ATTRIBUTE_NUMBER = 1, 2
USER_SESS_START, USER_SESS_STOP, USER_SESS_LOCK, USER_SESS_UNLOCK = 1, 2, 3, 4
USER_SESS_START_TRANS, USER_SESS_STOP_TRANS = 5, 6
STREAM_NOTIFICATION_EVENT, STREAM_NOTIFICATION_COMPLETE = 1, 2
STREAM_REPLAY_COMPLETE, STREAM_REPLAY_FAILED = 3, 4
NCS_CQ_ITEM_WAITING, NCS_CQ_ITEM_EXECUTING, NCS_CQ_ITEM_LOCKED = 1, 2, 3
NCS_CQ_ITEM_COMPLETED, NCS_CQ_ITEM_FAILED, NCS_CQ_ITEM_DELETED = 4, 5, 6
CALL_HOME_DEVICE_CONNECTED, CALL_HOME_UNKNOWN_DEVICE, CALL_HOME_DEVICE_DISCONNECTED = 1, 2, 3

HA_INFO_NOPRIMARY: int = lib.CONFD_HA_INFO_NOPRIMARY
HA_INFO_SECONDARY_DIED: int = lib.CONFD_HA_INFO_SECONDARY_DIED
HA_INFO_SECONDARY_ARRIVED: int = lib.CONFD_HA_INFO_SECONDARY_ARRIVED
HA_INFO_SECONDARY_INITIALIZED: int = lib.CONFD_HA_INFO_SECONDARY_INITIALIZED
HA_INFO_IS_PRIMARY: int = lib.CONFD_HA_INFO_IS_PRIMARY
HA_INFO_IS_NONE: int = lib.CONFD_HA_INFO_IS_NONE
HA_INFO_BESECONDARY_RESULT: int = lib.CONFD_HA_INFO_BESECONDARY_RESULT
# Old names, same values.
HA_INFO_NOMASTER: int = lib.CONFD_HA_INFO_NOMASTER
HA_INFO_SLAVE_DIED: int = lib.CONFD_HA_INFO_SLAVE_DIED
HA_INFO_SLAVE_ARRIVED: int = lib.CONFD_HA_INFO_SLAVE_ARRIVED
HA_INFO_SLAVE_INITIALIZED: int = lib.CONFD_HA_INFO_SLAVE_INITIALIZED
HA_INFO_IS_MASTER: int = lib.CONFD_HA_INFO_IS_MASTER
HA_INFO_BESLAVE_RESULT: int = lib.CONFD_HA_INFO_BESLAVE_RESULT


def notifications_connect(sock: Any, mask: int, ip: str | None = None,
                          port: int | None = None, path: str | None = None) -> None:
    """Connect `sock` to a node's control endpoint as a notification socket.

    Address arguments as for goha.ha.connect (`path` for AF_UNIX).  goha
    delivers only NOTIF_HA_INFO (with NOTIF_HA_INFO_SYNC); the other kinds
    are accepted in `mask` and never delivered.
    """
    fd = _sock.fd_of(sock)
    m = _sock.check_int("notifications_connect", 2, mask)
    if isinstance(mask, bool):
        raise TypeError("notifications_connect() argument 2 must be int, not bool")
    if not -(2**63) <= m < 2**63:
        raise OverflowError("mask does not fit in 64 bits")
    addr, size, _keep = _sock.sockaddr("notifications_connect", sock, ip, port, path)
    confd_check(lib.confd_notifications_connect(fd, addr, size, m))


class NotificationsData:
    """The parameters of notifications_connect2 (``_ncs.events.NotificationsData``):
    heartbeat and health-check intervals in ms, a stream name, start and
    stop times (Values of type C_NOEXISTS or C_DATETIME), an XPath filter,
    a user session id and a progress verbosity.  goha produces none of the
    kinds that use them, so they are checked and otherwise unused."""

    __slots__ = ("_heartbeat_interval", "_health_check_interval", "_stream_name", "_start_time",
                 "_stop_time", "_xpath_filter", "_usid", "_verbosity")

    def __init__(self, heartbeat_interval: int, health_check_interval: int, stream_name: str,
                 start_time: Value, stop_time: Value, xpath_filter: str | None = None,
                 usid: int = 0, verbosity: int = 0) -> None:
        for what, v in (("heartbeat_interval", heartbeat_interval),
                        ("health_check_interval", health_check_interval), ("usid", usid),
                        ("verbosity", verbosity)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"{what} must be int, not {type(v).__name__}")
        if not isinstance(stream_name, str):
            raise TypeError("stream_name must be str")
        for what, t in (("start_time", start_time), ("stop_time", stop_time)):
            if not isinstance(t, Value) or t.confd_type() not in (lib.C_NOEXISTS, lib.C_DATETIME):
                raise TypeError(f"{what} must be a Value of type C_NOEXISTS or C_DATETIME")
        if xpath_filter is not None and not isinstance(xpath_filter, str):
            raise TypeError("xpath_filter must be str or None")
        self._heartbeat_interval, self._health_check_interval = heartbeat_interval, health_check_interval
        self._stream_name, self._start_time, self._stop_time = stream_name, start_time, stop_time
        self._xpath_filter, self._usid, self._verbosity = xpath_filter, usid, verbosity

    def __str__(self) -> str:
        return ("_ncs.events.NotificationsData(heartbeat_interval=%d, health_check_interval=%d, "
                "stream_name=%r, start_time=%s, stop_time=%s, xpath_filter=%r, usid=%d, verbosity=%d)"
                % (self._heartbeat_interval, self._health_check_interval, self._stream_name,
                   self._start_time, self._stop_time, self._xpath_filter, self._usid, self._verbosity))

    __repr__ = __str__

    def _to_c(self) -> tuple[Any, list[Any]]:
        d = ffi.new("struct confd_notifications_data *")
        keep: list[Any] = [d]
        d.heartbeat_interval, d.health_check_interval = self._heartbeat_interval, self._health_check_interval
        name = ffi.new("char[]", self._stream_name.encode())
        keep.append(name)
        d.stream_name = name
        for field, v in (("start_time", self._start_time), ("stop_time", self._stop_time)):
            getattr(d, field).type = v.confd_type()  # C_NOEXISTS, or C_DATETIME (unused by goha)
        if self._xpath_filter is not None:
            xp = ffi.new("char[]", self._xpath_filter.encode())
            keep.append(xp)
            d.xpath_filter = xp
        d.usid, d.verbosity = self._usid, self._verbosity
        return d, keep


def notifications_connect2(sock: Any, mask: int, data: NotificationsData, ip: str | None = None,
                           port: int | None = None, path: str | None = None) -> None:
    """notifications_connect with the parameters the heartbeat, health
    check, stream and progress kinds need (`data` must be a
    NotificationsData)."""
    if not isinstance(data, NotificationsData):
        raise TypeError("data argument must be a _ncs.events.NotificationsData instance")
    fd = _sock.fd_of(sock)
    m = _mask(mask)
    addr, size, _keep = _sock.sockaddr("notifications_connect2", sock, ip, port, path)
    d, _dkeep = data._to_c()
    confd_check(lib.confd_notifications_connect2(fd, addr, size, m, d))


def _mask(mask: Any) -> int:
    if isinstance(mask, bool) or not isinstance(mask, int):
        raise TypeError(f"mask must be int, not {type(mask).__name__}")
    if not -(2**63) <= mask < 2**63:
        raise OverflowError("mask does not fit in 64 bits")
    return int(mask)


def _node(node: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"nodeid": Value._from_c(node.nodeid), "af": int(node.af)}
    if node.af == socket.AF_INET:
        d["ip4"] = _sock.node_address(node)
    elif node.af == socket.AF_INET6:
        d["ip6"] = _sock.node_address(node)
    else:
        d["str"] = _sock.node_address(node)
    return d


def read_notification(sock: Any) -> dict[str, Any]:
    """Read the next notification (blocks unless the socket is readable)."""
    fd = _sock.fd_of(sock)
    n = ffi.new("struct confd_notification *")
    confd_check(lib.confd_read_notification(fd, n))
    try:
        out: dict[str, Any] = {"type": int(n.type)}
        if n.type == NOTIF_HA_INFO:
            h = n.n.hnot
            t = int(h.type)
            hnot: dict[str, Any] = {"type": t}
            if t == HA_INFO_NOPRIMARY:
                hnot["noprimary"] = hnot["nomaster"] = int(h.data.noprimary)
            elif t == HA_INFO_SECONDARY_DIED:
                hnot["secondary_died"] = hnot["slave_died"] = _node(h.data.secondary_died)
            elif t == HA_INFO_SECONDARY_ARRIVED:
                hnot["secondary_arrived"] = hnot["slave_arrived"] = _node(h.data.secondary_arrived)
            elif t == HA_INFO_SECONDARY_INITIALIZED:
                hnot["cdb_initialized_by_copy"] = int(h.data.cdb_initialized_by_copy)
            elif t == HA_INFO_BESECONDARY_RESULT:
                hnot["besecondary_result"] = hnot["beslave_result"] = int(h.data.besecondary_result)
            out["hnot"] = hnot
        return out
    finally:
        lib.confd_free_notification(n)


def sync_ha_notification(sock: Any) -> None:
    """Let gohad continue after an HA event (sockets with NOTIF_HA_INFO_SYNC)."""
    confd_check(lib.confd_sync_ha_notification(_sock.fd_of(sock)))
