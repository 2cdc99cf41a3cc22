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
    "notifications_connect", "read_notification", "sync_ha_notification",
    "NOTIF_HA_INFO", "NOTIF_HA_INFO_SYNC",
    "HA_INFO_NOPRIMARY", "HA_INFO_SECONDARY_DIED", "HA_INFO_SECONDARY_ARRIVED",
    "HA_INFO_SECONDARY_INITIALIZED", "HA_INFO_IS_PRIMARY", "HA_INFO_IS_NONE",
    "HA_INFO_BESECONDARY_RESULT", "HA_INFO_NOMASTER", "HA_INFO_SLAVE_DIED",
    "HA_INFO_SLAVE_ARRIVED", "HA_INFO_SLAVE_INITIALIZED", "HA_INFO_IS_MASTER",
    "HA_INFO_BESLAVE_RESULT",
]

NOTIF_HA_INFO: int = lib.CONFD_NOTIF_HA_INFO
NOTIF_HA_INFO_SYNC: int = lib.CONFD_NOTIF_HA_INFO_SYNC

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

    Address arguments as for goha.ha.connect (`path` for AF_UNIX).  `mask`
    must contain NOTIF_HA_INFO (goha produces only HA notifications).
    """
    fd = _sock.fd_of(sock)
    m = _sock.check_int("notifications_connect", 2, mask)
    if isinstance(mask, bool):
        raise TypeError("notifications_connect() argument 2 must be int, not bool")
    if not -(2**63) <= m < 2**63:
        raise OverflowError("mask does not fit in 64 bits")
    addr, size, _keep = _sock.sockaddr("notifications_connect", sock, ip, port, path)
    confd_check(lib.confd_notifications_connect(fd, addr, size, m))


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
