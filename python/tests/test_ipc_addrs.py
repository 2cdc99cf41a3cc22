"""Every control address form from Python: votequorum and cmm follow
GOHA_IPC set to an IPv4 literal, a host name and an IPv6 literal, and the
ConfD-style modules (ha, cdb) work on AF_INET and AF_INET6 sockets.  Unix
sockets are what the other test files use."""

from __future__ import annotations

import socket
from typing import Any, Iterator

import pytest
from goha import cdb, cmm, ha, votequorum
from helpers import HA_TOKEN, free_ports


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture
def tcp_cluster(make_cluster: Any) -> Iterator[tuple[Any, int, int]]:
    """2 nodes: node 1's control endpoint on localhost:P1, node 2's on [::1]:P2."""
    if not _has_ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    p1, p2 = free_ports(2)
    c = make_cluster(2, name="tcp", node__1__ipc=f'"localhost:{p1}"', node__2__ipc=f'"[::1]:{p2}"')
    yield c, p1, p2


def test_every_address_form(tcp_cluster: tuple[Any, int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    _, p1, p2 = tcp_cluster
    for addr, want in ((f"127.0.0.1:{p1}", 1), (f"localhost:{p1}", 1), (f"[::1]:{p2}", 2)):
        monkeypatch.setenv("GOHA_IPC", addr)
        with votequorum.Connection() as vq:
            assert vq.getinfo().node_id == want, addr
        cmm.connect()
        try:
            assert cmm.node_getid() == want, addr
            assert cmm.member_getinfo(want).nodeid == want, addr
        finally:
            cmm.disconnect()

    for family, ip, port, name in ((socket.AF_INET, "127.0.0.1", p1, "n1"), (socket.AF_INET6, "::1", p2, "n2")):
        with socket.socket(family) as hs, socket.socket(family) as cs:
            ha.connect(hs, HA_TOKEN, ip, port)
            ha.beprimary(hs, name)
            assert ha.status(hs)[0] == ha.STATE_PRIMARY
            cdb.connect(cs, ip, port)
            cdb.set(cs, "/ipc/port", str(port))
            assert cdb.get(cs, "/ipc/port") == str(port)
            ha.benone(hs)
