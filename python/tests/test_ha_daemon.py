"""goha.ha and goha.events against real gohad nodes doing HA work."""

from __future__ import annotations

import selectors
import socket
import threading
import time
from typing import Any, Callable

import goha
import pytest
from goha import error, events, ha
from goha.value import Value
from helpers import HA_TOKEN, Cluster, free_ports, wait_until


def ha_sock(c: Cluster, i: int, token: str = HA_TOKEN) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        ha.connect(s, token, pstr=c.sock(i))
    except BaseException:
        s.close()
        raise
    return s


def notif_sock(c: Cluster, i: int, mask: int = events.NOTIF_HA_INFO) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    events.notifications_connect(s, mask, path=c.sock(i))
    return s


def next_notification(s: socket.socket, pred: Callable[[dict[str, Any]], bool],
                      timeout: float = 15.0, sync: bool = False) -> dict[str, Any]:
    """Read notifications until one satisfies pred (AssertionError at the deadline)."""
    deadline = time.monotonic() + timeout
    seen = []
    with selectors.DefaultSelector() as sel:
        sel.register(s, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise AssertionError(f"no matching notification within {timeout}s; saw {seen}")
            n = events.read_notification(s)
            if sync:
                events.sync_ha_notification(s)
            seen.append(n)
            if pred(n):
                return n


def collect(s: socket.socket, types: set[int], timeout: float = 15.0) -> dict[int, dict[str, Any]]:
    """Read notifications until one of each HA_INFO type in `types` arrived
    (in any order); returns the first of each."""
    got: dict[int, dict[str, Any]] = {}

    def want(n: dict[str, Any]) -> bool:
        if n.get("type") == events.NOTIF_HA_INFO:
            got.setdefault(n["hnot"]["type"], n)
        return types <= set(got)

    next_notification(s, want, timeout)
    return got


def of_type(t: int) -> Callable[[dict[str, Any]], bool]:
    return lambda n: n.get("type") == events.NOTIF_HA_INFO and n["hnot"]["type"] == t


def form(c: Cluster, relay: bool = False) -> list[socket.socket]:
    """n1 primary, n2 and n3 its secondaries (n3 of n2 when relay)."""
    s = [ha_sock(c, i) for i in (1, 2, 3)]
    ha.beprimary(s[0], "n1")
    ha.besecondary(s[1], "n2", "n1", "127.0.0.1", 1)
    if relay:
        ha.berelay(s[1])
        ha.besecondary(s[2], "n3", "n2", "127.0.0.1", 1)
    else:
        ha.besecondary(s[2], "n3", "n1", "127.0.0.1", 1)
    return s


def test_connect_and_initial_state(cluster: Cluster) -> None:
    with ha_sock(cluster, 1) as s:
        assert ha.status(s) == (ha.STATE_NONE, [])


def test_bad_token(cluster: Cluster) -> None:
    # As in ConfD, connect hands the node the token; the mismatch shows when
    # the node authenticates with its primary.
    with ha_sock(cluster, 1) as s1, ha_sock(cluster, 2, token="wrong-token") as s2:
        ha.beprimary(s1, "n1")
        with pytest.raises(error.Error) as ei:
            ha.besecondary(s2, "n2", "n1", "127.0.0.1", 1)
        assert ei.value.confd_errno == error.ERR_HA_BADTOKEN
        assert ha.status(s2) == (ha.STATE_NONE, [])
        assert ha.status(s1) == (ha.STATE_PRIMARY, [])


@pytest.mark.parametrize("family,host", [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")])
def test_connect_over_tcp(make_cluster: Any, family: int, host: str) -> None:
    port = free_ports(1)[0]
    ipc = f"{host}:{port}" if family == socket.AF_INET else f"[{host}]:{port}"
    c = make_cluster(1, node__1__ipc=f'"{ipc}"')
    with socket.socket(family, socket.SOCK_STREAM) as s:
        ha.connect(s, HA_TOKEN, ip=host, port=port)
        ha.beprimary(s, "n1")
        assert ha.status(s) == (ha.STATE_PRIMARY, [])
    assert c.status(1) is not None


def test_primary_and_secondaries_status(cluster: Cluster) -> None:
    s = form(cluster)
    try:
        state, nodes = ha.status(s[0])
        assert state == ha.STATE_PRIMARY
        assert sorted(nodes, key=lambda d: d["nodeid"]) == [
            {"nodeid": "n2", "address": "127.0.0.1"}, {"nodeid": "n3", "address": "127.0.0.1"}]
        assert ha.status(s[1]) == (ha.STATE_SECONDARY, [{"nodeid": "n1", "address": "127.0.0.1"}])
        # Same arguments again on a secondary: nothing changes.
        ha.besecondary(s[1], "n2", "n1", "127.0.0.1", 1)
        assert ha.status(s[1])[0] == ha.STATE_SECONDARY
    finally:
        for x in s:
            x.close()


def test_value_node_ids(cluster: Cluster) -> None:
    with ha_sock(cluster, 1) as s1, ha_sock(cluster, 2) as s2:
        ha.beprimary(s1, Value("n1", goha.C_STR))
        ha.besecondary(s2, Value("n2"), Value("n1"), "127.0.0.1", True)
        assert ha.status(s1)[1] == [{"nodeid": "n2", "address": "127.0.0.1"}]


def test_wrong_names(cluster: Cluster) -> None:
    with ha_sock(cluster, 1) as s1, ha_sock(cluster, 2) as s2:
        ha.beprimary(s1, "any-id")  # ConfD takes any node id
        with pytest.raises(error.Error) as ei:  # n2 expects its primary to be n1
            ha.besecondary(s2, "n2", "n1", "127.0.0.1", 1)
        assert ei.value.confd_errno == error.ERR_HA_BADNAME
        ha.beprimary(s1, "n1")
        with pytest.raises(error.Error) as ei:
            ha.besecondary(s2, "n2", "n3", "127.0.0.1", 1)  # n3 is not the primary there
        assert ei.value.confd_errno in (error.ERR_HA_BADNAME, error.ERR_HA_CONNECT)


def test_any_node_id(cluster: Cluster) -> None:
    """As ConfD, a node is known by the id its beprimary gave, of any type
    (carried as its text), not only its config name."""
    import json
    with ha_sock(cluster, 1) as s1:
        ha.beprimary(s1, Value(5, goha.C_INT32))
        st = json.loads(cluster.gohactl(1, "--json", "ha", "status").stdout)
        assert (st["node"], st["ha_state"]) == ("5", "primary")
        ha.beprimary(s1, "n1.example.com")
        st = json.loads(cluster.gohactl(1, "--json", "ha", "status").stdout)
        assert st["node"] == "n1.example.com"


def test_besecondary_primary_not_listening(cluster: Cluster) -> None:
    with ha_sock(cluster, 2) as s2:
        with pytest.raises(error.Error) as ei:
            ha.besecondary(s2, "n2", "n1", "127.0.0.1", 1)  # n1 is NONE
        assert ei.value.confd_errno == error.ERR_HA_CONNECT
        assert ha.status(s2) == (ha.STATE_NONE, [])


def test_relay(cluster: Cluster) -> None:
    with ha_sock(cluster, 3) as s3:
        with pytest.raises(error.Error) as ei:
            ha.berelay(s3)
        assert ei.value.confd_errno == error.ERR_BADSTATE
    s = form(cluster, relay=True)
    try:
        state, nodes = ha.status(s[1])
        assert state == ha.STATE_SECONDARY_RELAY
        assert [d["nodeid"] for d in nodes] == ["n1", "n3"]
        assert [d["nodeid"] for d in ha.status(s[0])[1]] == ["n2"]
        assert ha.status(s[2]) == (ha.STATE_SECONDARY, [{"nodeid": "n2", "address": "127.0.0.1"}])
    finally:
        for x in s:
            x.close()


def test_benone_and_secondary_dead(cluster: Cluster) -> None:
    s = form(cluster)
    try:
        ha.secondary_dead(s[0], "n3")
        wait_until(lambda: [d["nodeid"] for d in ha.status(s[0])[1]] == ["n2"], 10,
                   "n3 to be dropped by the primary")
        ha.benone(s[1])
        assert ha.status(s[1]) == (ha.STATE_NONE, [])
        ha.benone(s[0])
        assert ha.status(s[0]) == (ha.STATE_NONE, [])
    finally:
        for x in s:
            x.close()


def test_deprecated_names_work(cluster: Cluster) -> None:
    with ha_sock(cluster, 1) as s1, ha_sock(cluster, 2) as s2:
        ha.bemaster(s1, "n1")
        ha.beslave(s2, "n2", primary_id="n1", primary_ip="127.0.0.1", waitreply=1)
        assert ha.status(s2)[0] == ha.STATE_SLAVE
        ha.slave_dead(s1, "n2")
        wait_until(lambda: ha.status(s1) == (ha.STATE_MASTER, []), 10, "n2 dropped")


def test_eof_when_gohad_stops(cluster: Cluster) -> None:
    with ha_sock(cluster, 1) as s:
        cluster.stop_node(1)
        with pytest.raises(error.EOF):
            ha.status(s)


def test_new_connect_replaces_the_old_ha_socket(cluster: Cluster) -> None:
    with ha_sock(cluster, 1) as old, ha_sock(cluster, 1) as new:
        assert ha.status(new) == (ha.STATE_NONE, [])
        with pytest.raises(error.EOF):
            ha.status(old)


def test_status_from_many_threads(cluster: Cluster) -> None:
    s = form(cluster)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                st, nodes = ha.status(s[0])
                assert st == ha.STATE_PRIMARY and len(nodes) == 2
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    for x in s:
        x.close()
    assert not errors, errors[:3]


def test_besecondary_async_result_and_initialized(cluster: Cluster) -> None:
    with ha_sock(cluster, 1) as s1, ha_sock(cluster, 2) as s2, notif_sock(cluster, 2) as n2, \
            notif_sock(cluster, 1) as n1:
        ha.beprimary(s1, "n1")
        next_notification(n1, of_type(events.HA_INFO_IS_PRIMARY))
        ha.besecondary(s2, "n2", "n1", "127.0.0.1", 0)
        got = collect(n2, {events.HA_INFO_BESECONDARY_RESULT, events.HA_INFO_SECONDARY_INITIALIZED})
        r = got[events.HA_INFO_BESECONDARY_RESULT]
        assert r["hnot"]["besecondary_result"] == 0 == r["hnot"]["beslave_result"]
        i = got[events.HA_INFO_SECONDARY_INITIALIZED]
        assert i["hnot"]["cdb_initialized_by_copy"] in (0, 1)
        assert ha.status(s2) == (ha.STATE_SECONDARY, [{"nodeid": "n1", "address": "127.0.0.1"}])
        a = next_notification(n1, of_type(events.HA_INFO_SECONDARY_ARRIVED))
        node = a["hnot"]["secondary_arrived"]
        assert node["nodeid"] == Value("n2") and node["ip4"] == "127.0.0.1"
        assert a["hnot"]["slave_arrived"] == node


def test_besecondary_async_failure_result(cluster: Cluster) -> None:
    with ha_sock(cluster, 2) as s2, notif_sock(cluster, 2) as n2:
        ha.besecondary(s2, "n2", "n1", "127.0.0.1", 0)  # n1 is not primary
        r = next_notification(n2, of_type(events.HA_INFO_BESECONDARY_RESULT))
        assert r["hnot"]["besecondary_result"] == error.ERR_HA_CONNECT


def test_noprimary_reasons(cluster: Cluster) -> None:
    s = form(cluster)
    n2, n3 = notif_sock(cluster, 2), notif_sock(cluster, 3)
    try:
        cluster.pause_node(1)  # alive but silent: no ticks
        r = next_notification(n2, of_type(events.HA_INFO_NOPRIMARY))
        assert r["hnot"]["noprimary"] == error.ERR_HA_NOTICK == r["hnot"]["nomaster"]
        assert ha.status(s[1]) == (ha.STATE_NONE, [])
        cluster.resume_node(1)
        cluster.kill_node(1)
        r = next_notification(n3, of_type(events.HA_INFO_NOPRIMARY))
        assert r["hnot"]["noprimary"] in (error.ERR_HA_NOTICK, error.ERR_HA_CLOSED)
    finally:
        for x in (*s, n2, n3):
            x.close()


def test_secondary_died_notification(cluster: Cluster) -> None:
    s = form(cluster)
    n1 = notif_sock(cluster, 1)
    try:
        cluster.kill_node(3)
        d = next_notification(n1, of_type(events.HA_INFO_SECONDARY_DIED))
        assert d["hnot"]["secondary_died"]["nodeid"] == Value("n3")
        assert d["hnot"]["slave_died"] == d["hnot"]["secondary_died"]
    finally:
        for x in (*s, n1):
            x.close()


def test_sync_notifications(cluster: Cluster) -> None:
    with notif_sock(cluster, 1, events.NOTIF_HA_INFO | events.NOTIF_HA_INFO_SYNC) as ns, \
            notif_sock(cluster, 1) as plain, ha_sock(cluster, 1) as s1:
        with pytest.raises(error.Error) as ei:
            events.sync_ha_notification(plain)
        assert ei.value.confd_errno == error.ERR_PROTOUSAGE
        ha.beprimary(s1, "n1")
        next_notification(ns, of_type(events.HA_INFO_IS_PRIMARY), sync=True)
        ha.benone(s1)
        next_notification(ns, of_type(events.HA_INFO_IS_NONE), sync=True)
        next_notification(plain, of_type(events.HA_INFO_IS_NONE))


def test_notification_socket_eof(cluster: Cluster) -> None:
    with notif_sock(cluster, 1) as n1:
        cluster.stop_node(1)
        with pytest.raises(error.EOF):
            events.read_notification(n1)




def test_ipv6_ha_addresses(make_cluster: Any) -> None:
    """A primary on [::1]: besecondary with an IPv6 primary_ip, and status
    printing the IPv6 addresses (the real _ncs would print a dotted quad)."""
    p1, p2 = free_ports(2)
    c = make_cluster(2, node__1__ha_addr=f'"[::1]:{p1}"', node__2__ha_addr=f'"[::1]:{p2}"')
    with ha_sock(c, 1) as s1, ha_sock(c, 2) as s2, notif_sock(c, 1) as n1:
        ha.beprimary(s1, "n1")
        ha.besecondary(s2, "n2", "n1", "::1", 1)
        assert ha.status(s2) == (ha.STATE_SECONDARY, [{"nodeid": "n1", "address": "::1"}])
        assert ha.status(s1) == (ha.STATE_PRIMARY, [{"nodeid": "n2", "address": "::1"}])
        a = next_notification(n1, of_type(events.HA_INFO_SECONDARY_ARRIVED))
        node = a["hnot"]["secondary_arrived"]
        assert node["af"] == socket.AF_INET6 and node["ip6"] == "::1" and "ip4" not in node
