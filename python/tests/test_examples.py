"""The spec's two examples in Python (examples/python/): an HA framework that
promotes a secondary after the primary dies, and a notification listener
that handles every HA_INFO type."""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
from types import ModuleType
from typing import Any

import pytest
from goha import error, events, ha
from goha.value import Value
from helpers import HA_TOKEN, ROOT, Cluster, wait_until


def load(name: str) -> ModuleType:
    path = ROOT / "examples" / "python" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


listener = load("ha_listener")
hafw = load("hafw")


def node_dict(name: str) -> dict[str, Any]:
    return {"nodeid": Value(name), "af": socket.AF_INET, "ip4": "10.0.0.2"}


@pytest.mark.parametrize("hnot,want", [
    ({"type": events.HA_INFO_NOPRIMARY, "noprimary": error.ERR_HA_CLOSED}, "closed the connection"),
    ({"type": events.HA_INFO_NOPRIMARY, "noprimary": error.ERR_HA_NOTICK}, "stopped sending ticks"),
    ({"type": events.HA_INFO_SECONDARY_DIED, "secondary_died": node_dict("n2")}, "SECONDARY_DIED: n2 at 10.0.0.2"),
    ({"type": events.HA_INFO_SECONDARY_ARRIVED, "secondary_arrived": node_dict("n3")}, "ARRIVED: n3 at 10.0.0.2"),
    ({"type": events.HA_INFO_SECONDARY_INITIALIZED, "cdb_initialized_by_copy": 1}, "by a full copy"),
    ({"type": events.HA_INFO_SECONDARY_INITIALIZED, "cdb_initialized_by_copy": 0}, "without a copy"),
    ({"type": events.HA_INFO_IS_PRIMARY}, "IS_PRIMARY"),
    ({"type": events.HA_INFO_IS_NONE}, "IS_NONE"),
    ({"type": events.HA_INFO_BESECONDARY_RESULT, "besecondary_result": 0}, "ok, we are a secondary"),
    ({"type": events.HA_INFO_BESECONDARY_RESULT, "besecondary_result": error.ERR_HA_BADTOKEN}, "(28)"),
    ({"type": 99}, "unknown HA_INFO type 99"),
])
def test_listener_describes_every_type(hnot: dict[str, Any], want: str) -> None:
    assert want in listener.describe({"type": events.NOTIF_HA_INFO, "hnot": hnot})


def test_hafw_reads_the_example_config() -> None:
    nodes, token = hafw.load_nodes(ROOT / "examples" / "cluster.toml")
    assert [n.name for n in nodes] == ["n1", "n2", "n3"]
    assert all(n.ha_ip == "127.0.0.1" and n.ipc.startswith("unix:") for n in nodes)
    assert token == hafw.DEFAULT_TOKEN  # the example sets no [ha] token
    s, addr = hafw.open_socket("[::1]:4569")
    s.close()
    assert s.family == socket.AF_INET6 and addr == {"ip": "::1", "port": 4569}


def test_ha_framework_fails_over_and_rejoins(cluster: Cluster) -> None:
    nodes, token = hafw.load_nodes(cluster.dir / "cluster.toml")
    assert token == HA_TOKEN
    log: list[str] = []
    fw = hafw.HAFramework(nodes, token, out=log.append)
    try:
        fw.start()
        assert fw.primary == "n1"
        # Through the framework's own sockets: a new HA connect would replace them.
        assert ha.status(fw.nodes["n2"].ha_sock) == (
            ha.STATE_SECONDARY, [{"nodeid": "n1", "address": "127.0.0.1"}])
        assert sorted(d["nodeid"] for d in ha.status(fw.nodes["n1"].ha_sock)[1]) == ["n2", "n3"]
        cluster.kill_node(1)
        wait_until(lambda: fw.step(0.1) or fw.primary == "n2", 20, "the framework to promote n2")
        assert fw.failovers == 1
        s2 = fw.nodes["n2"].ha_sock
        wait_until(lambda: [d["nodeid"] for d in ha.status(s2)[1]] == ["n3"], 10, "n3 under n2")
        cluster.start_node(1)
        wait_until(lambda: fw.rejoin() or fw.nodes["n1"].role == ha.STATE_SECONDARY, 20, "n1 to rejoin")
        assert sorted(d["nodeid"] for d in ha.status(s2)[1]) == ["n1", "n3"]
    finally:
        fw.close()
    assert any("failover n1 -> n2" in line for line in log), log
    # Events queued before the kill are read and printed briefly.
    assert "hafw: n1: IS_PRIMARY" in log, log
    assert any(line.startswith("hafw: n2: SECONDARY_INITIALIZED cdb_initialized_by_copy=")
               for line in log), log


def test_listener_sees_every_type(cluster: Cluster) -> None:
    got: dict[int, list[str]] = {1: [], 2: [], 3: []}
    ready = {i: threading.Event() for i in (1, 2, 3)}
    ended: list[int] = []

    def run(i: int) -> None:
        # Ends at EOF, when the node's gohad stops.
        for n in listener.listen(cluster.ipc(i), sync=(i == 2), on_ready=ready[i].set):
            got[i].append(listener.describe(n))
        ended.append(i)

    ts = [threading.Thread(target=run, args=(i,), daemon=True) for i in (1, 2, 3)]
    for t in ts:
        t.start()
    for i in (1, 2, 3):
        assert ready[i].wait(10), f"listener {i} did not subscribe"
    socks = []
    try:
        for i in (1, 2, 3):
            s = socket.socket(socket.AF_UNIX)
            ha.connect(s, HA_TOKEN, pstr=cluster.sock(i))
            socks.append(s)
        ha.beprimary(socks[0], "n1")                       # IS_PRIMARY on n1
        ha.besecondary(socks[1], "n2", "n1", "127.0.0.1", 1)  # ARRIVED on n1, INITIALIZED on n2
        ha.besecondary(socks[2], "n3", "n1", "127.0.0.1", 0)  # BESECONDARY_RESULT on n3
        ha.secondary_dead(socks[0], "n3")                  # SECONDARY_DIED on n1
        ha.benone(socks[1])                                # IS_NONE on n2
        ha.besecondary(socks[1], "n2", "n1", "127.0.0.1", 1)
        cluster.kill_node(1)                               # NOPRIMARY on n2
        want = {1: ["IS_PRIMARY", "SECONDARY_ARRIVED", "SECONDARY_DIED"],
                2: ["SECONDARY_INITIALIZED", "IS_NONE", "NOPRIMARY"],
                3: ["BESECONDARY_RESULT"]}
        wait_until(lambda: all(any(w in line for line in got[i]) for i, ws in want.items() for w in ws),
                   20, f"every HA_INFO type to be printed (got {got})")
    finally:
        for s in socks:
            s.close()
        cluster.stop()
    for t in ts:
        t.join(10)
    assert sorted(ended) == [1, 2, 3], "a listener did not end at EOF"


