"""goha.ha: HA control of gohad nodes, with the interface of NSO's ``_ncs.ha``.

An HA framework connects one socket per node with :func:`connect` and then
orders each node to be primary, secondary, relay or none.  Node ids are
any id, as in ConfD (include/confd_ha.h, "Node ids"), given as ``str``
(sent as C_BUF) or :class:`goha.Value`; the config ``name`` s of the
``[[node]]`` entries are the usual choice.  Every function raises
:class:`goha.error.Error` when the library returns CONFD_ERR (its
``confd_errno`` is one of the ``goha.error.ERR_*`` codes) and
:class:`goha.error.EOF` when gohad closed the socket.

Example::

    import socket
    from goha import ha
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ha.connect(s, "the-token", pstr="/tmp/goha-demo/n1.sock")
    ha.beprimary(s, "n1")
    state, nodes = ha.status(s)      # (ha.STATE_PRIMARY, [{"nodeid": ..., "address": ...}])

Differences from ``_ncs.ha``: ``status`` prints IPv6 peer addresses
correctly (``_ncs`` prints the first four bytes as IPv4); ``connect``
requires ``ip`` and ``port`` for INET sockets instead of reading
uninitialised memory; the type error names ``goha.Value``.
"""

from __future__ import annotations

import socket
from typing import Any

from . import _sock
from ._ffi import ffi, lib
from .error import confd_check

__all__ = [
    "connect", "beprimary", "besecondary", "berelay", "benone",
    "secondary_dead", "status", "bemaster", "beslave", "slave_dead",
    "STATE_NONE", "STATE_SECONDARY", "STATE_PRIMARY", "STATE_SECONDARY_RELAY",
    "STATE_SLAVE", "STATE_MASTER", "STATE_SLAVE_RELAY",
]

STATE_NONE: int = lib.CONFD_HA_STATE_NONE
STATE_SECONDARY: int = lib.CONFD_HA_STATE_SECONDARY
STATE_PRIMARY: int = lib.CONFD_HA_STATE_PRIMARY
STATE_SECONDARY_RELAY: int = lib.CONFD_HA_STATE_SECONDARY_RELAY
# Old names, same values.
STATE_SLAVE: int = lib.CONFD_HA_STATE_SLAVE
STATE_MASTER: int = lib.CONFD_HA_STATE_MASTER
STATE_SLAVE_RELAY: int = lib.CONFD_HA_STATE_SLAVE_RELAY


def connect(sock: Any, token: str, ip: str | None = None, port: int | None = None,
            pstr: str | None = None) -> None:
    """Connect `sock` to a node's control endpoint as its HA socket.

    `sock` is a fresh stream socket of family AF_INET or AF_INET6 (give
    `ip` and `port`) or AF_UNIX (give the path as `pstr`).  `token` is the
    cluster's HA token.  On failure close the socket and use a new one.

    The token is not checked here: as in ConfD, connect never reports
    ERR_HA_BADTOKEN; a wrong token shows when this node becomes a secondary
    (:func:`besecondary` raises ERR_HA_BADTOKEN) or when a secondary with
    another token connects to it.

    Raises TypeError (missing address, unsupported family, wrong types),
    ValueError (bad IP address or a token containing NUL) or
    goha.error.Error (e.g. ERR_OS when no gohad listens there).
    """
    fd = _sock.fd_of(sock)
    tok = _sock.check_str("connect", 2, token)
    if "\0" in tok:
        raise ValueError("connect() token must not contain NUL")
    addr, size, _keep = _sock.sockaddr("connect", sock, ip, port, pstr)
    confd_check(lib.confd_ha_connect(fd, addr, size, tok.encode()))


def beprimary(sock: Any, mynodeid: Any) -> None:
    """Make the node primary, known by `mynodeid` (a str or a Value of any
    type, as ConfD takes; it need not be the node's config name)."""
    fd = _sock.fd_of(sock)
    cv, _keep = _sock.nodeid("mynodeid", mynodeid)
    confd_check(lib.confd_ha_beprimary(fd, cv))


def besecondary(sock: Any, mynodeid: Any, primary_id: Any, primary_ip: str,
                waitreply: int) -> None:
    """Make the node a secondary of the primary `primary_id` at `primary_ip`.

    `primary_ip` is an IPv4 or IPv6 address (the HA port comes from the
    cluster config).  With `waitreply` true the call returns when the
    node is in sync; with false it returns at once and the outcome arrives
    as an HA_INFO_BESECONDARY_RESULT notification.
    """
    fd = _sock.fd_of(sock)
    cv, keep = _sock.nodeid("mynodeid", mynodeid)
    node = ffi.new("struct confd_ha_node *")
    _pcv, pkeep = _sock.nodeid("primary_id", primary_id, into=node.nodeid)
    ip = _sock.check_str("besecondary", 4, primary_ip)
    if isinstance(waitreply, float) or not isinstance(waitreply, int):
        raise TypeError(f"besecondary() argument 5 must be int, not {type(waitreply).__name__}")
    try:
        packed = socket.inet_pton(socket.AF_INET, ip)
        node.af = socket.AF_INET
        ffi.memmove(ffi.addressof(node.addr.ip4), packed, 4)
    except OSError:
        try:
            packed = socket.inet_pton(socket.AF_INET6, ip)
        except (OSError, ValueError):
            raise ValueError("Invalid primary_ip address.") from None
        node.af = socket.AF_INET6
        ffi.memmove(ffi.addressof(node.addr.ip6), packed, 16)
    except ValueError:  # embedded NUL
        raise ValueError("Invalid primary_ip address.") from None
    confd_check(lib.confd_ha_besecondary(fd, cv, node, 1 if waitreply else 0))
    del keep, pkeep


def berelay(sock: Any) -> None:
    """Make a secondary also serve secondaries (ERR_BADSTATE if it is not one)."""
    confd_check(lib.confd_ha_berelay(_sock.fd_of(sock)))


def benone(sock: Any) -> None:
    """Leave primary/secondary/relay state."""
    confd_check(lib.confd_ha_benone(_sock.fd_of(sock)))


def secondary_dead(sock: Any, nodeid: Any) -> None:
    """Tell a primary (or relay) that secondary `nodeid` is dead."""
    fd = _sock.fd_of(sock)
    cv, _keep = _sock.nodeid("nodeid", nodeid)
    confd_check(lib.confd_ha_secondary_dead(fd, cv))


def status(sock: Any) -> tuple[int, list[dict[str, str]]]:
    """The node's HA state and nodes: ``(state, [{"nodeid", "address"}, ...])``.

    PRIMARY: its secondaries; SECONDARY: [its primary]; SECONDARY_RELAY: its
    primary, then its own secondaries; NONE: [].
    """
    fd = _sock.fd_of(sock)
    st = ffi.new("struct confd_ha_status *")
    confd_check(lib.confd_ha_get_status(fd, st))
    n = max(0, min(int(st.num_nodes), 255))
    nodes = [
        {"nodeid": _sock.node_text(st.nodes[i].nodeid), "address": _sock.node_address(st.nodes[i])}
        for i in range(n)
    ]
    return int(st.state), nodes


# Deprecated names: the same functions (so beslave takes primary_id/primary_ip).
bemaster = beprimary
beslave = besecondary
slave_dead = secondary_dead
