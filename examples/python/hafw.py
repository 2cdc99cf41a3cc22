#!/usr/bin/env python3
"""An external HA framework for a goha cluster, written with goha.ha and
goha.events (the NSO ``_ncs.ha``/``_ncs.events`` interface).

What it does -- the job ConfD/NSO leave to an "HAFW":

1. reads the cluster config (node names, control endpoints ``ipc``, HA
   addresses ``ha_addr``, the ``[ha] token`` if there is one);
2. connects an HA socket and a notification socket to every node;
3. makes the first reachable node (config order) primary and every other
   reachable node its secondary (``besecondary(..., waitreply=1)``);
4. watches the notification sockets: when the primary's gohad goes away
   (its notification socket reaches EOF) or a secondary reports
   HA_INFO_NOPRIMARY and the primary does not answer, it promotes the first
   live secondary with ``beprimary`` and re-points the other secondaries to
   it; when a dead node's gohad is back, it makes it a secondary again.

Run it against the demo cluster, the three nodes of examples/cluster.toml
(from the top of the checkout, after ``make build``)::

    mkdir -p /tmp/goha-demo
    build/bin/gohactl keygen /tmp/goha-demo/authkey
    for n in n1 n2 n3; do
        build/bin/gohad --config examples/cluster.toml --node $n --data /tmp/goha-demo/$n.data &
    done
    PYTHONPATH=python python3 examples/python/hafw.py --config examples/cluster.toml

then stop the primary's gohad (e.g. ``kill`` the n1 process) and watch the
framework promote n2 and re-point n3; restart n1 and watch it rejoin as a
secondary.  ``--duration S`` stops after S seconds; Ctrl-C stops it too.

The class :class:`HAFramework` is importable (the Python tests drive it).
"""

from __future__ import annotations

import argparse
import selectors
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

from goha import error, events, ha


@dataclass
class Node:
    name: str
    ipc: str
    ha_ip: str
    ha_sock: Optional[socket.socket] = None
    notif_sock: Optional[socket.socket] = None
    alive: bool = False
    role: int = ha.STATE_NONE
    log: list[str] = field(default_factory=list)


def open_socket(ipc: str) -> tuple[socket.socket, dict[str, Any]]:
    """A fresh socket for a control endpoint and the address keywords of
    goha.ha.connect ("unix:/path", "host:port" or "[v6]:port")."""
    if ipc.startswith("unix:"):
        return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM), {"path": ipc[5:]}
    host, _, port = ipc.rpartition(":")
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.socket(fam, socket.SOCK_STREAM), {"ip": host, "port": int(port)}


# The HA token to give confd_ha_connect when the config has no [ha] token.
# The daemons mix the token with the cluster key (authkey), which is what
# keeps outsiders out, so every node just has to be given the same one.
DEFAULT_TOKEN = "goha"


def load_nodes(config: Path) -> tuple[list[Node], str]:
    cfg = tomllib.loads(config.read_text())
    token = cfg.get("ha", {}).get("token") or DEFAULT_TOKEN
    nodes = []
    for n in cfg["node"]:
        host = n["ha_addr"].rpartition(":")[0].strip("[]")
        nodes.append(Node(n["name"], n["ipc"], host))
    return nodes, token


_INFO_NAMES = {
    events.HA_INFO_NOPRIMARY: "NOPRIMARY", events.HA_INFO_SECONDARY_DIED: "SECONDARY_DIED",
    events.HA_INFO_SECONDARY_ARRIVED: "SECONDARY_ARRIVED",
    events.HA_INFO_SECONDARY_INITIALIZED: "SECONDARY_INITIALIZED",
    events.HA_INFO_IS_PRIMARY: "IS_PRIMARY", events.HA_INFO_IS_NONE: "IS_NONE",
    events.HA_INFO_BESECONDARY_RESULT: "BESECONDARY_RESULT",
}


def brief(h: dict[str, Any]) -> str:
    """A short text for the "hnot" dict of a notification."""
    text = _INFO_NAMES.get(h.get("type", 0), f"type {h.get('type')}")
    for key in ("noprimary", "cdb_initialized_by_copy", "besecondary_result"):
        if key in h:
            text += f" {key}={h[key]}"
    for key in ("secondary_died", "secondary_arrived"):
        if key in h:
            text += f" {h[key]['nodeid']}"
    return text


class HAFramework:
    """Decides and enforces the HA roles of a goha cluster."""

    def __init__(self, nodes: list[Node], token: str,
                 out: Callable[[str], None] = print) -> None:
        self.nodes = {n.name: n for n in nodes}
        self.order = [n.name for n in nodes]
        self.token = token
        self.out = out
        self.primary: Optional[str] = None
        self.sel = selectors.DefaultSelector()
        self.failovers = 0

    # -- connections ---------------------------------------------------------
    def _connect(self, n: Node, quiet: bool = False) -> bool:
        """(Re)connect n's HA and notification sockets; False if gohad is down."""
        self._drop(n)
        s: Optional[socket.socket] = None
        ns: Optional[socket.socket] = None
        try:
            s, addr = open_socket(n.ipc)
            ha.connect(s, self.token, ip=addr.get("ip"), port=addr.get("port"), pstr=addr.get("path"))
            ns, naddr = open_socket(n.ipc)
            events.notifications_connect(ns, events.NOTIF_HA_INFO, **naddr)
        except (error.Error, OSError) as e:
            if not quiet:
                self.out(f"hafw: {n.name}: cannot connect to {n.ipc}: {e}")
            for sock in (s, ns):
                if sock is not None:
                    sock.close()
            return False
        n.ha_sock, n.notif_sock, n.alive = s, ns, True
        self.sel.register(ns, selectors.EVENT_READ, n)
        return True

    def _drop(self, n: Node) -> None:
        if n.notif_sock is not None:
            try:
                self.sel.unregister(n.notif_sock)
            except (KeyError, ValueError):
                pass
            n.notif_sock.close()
        if n.ha_sock is not None:
            n.ha_sock.close()
        n.ha_sock = n.notif_sock = None
        n.alive = False
        n.role = ha.STATE_NONE

    def close(self) -> None:
        for n in self.nodes.values():
            self._drop(n)
        self.sel.close()

    # -- roles -------------------------------------------------------------------
    def _make_secondary(self, n: Node) -> bool:
        assert self.primary is not None and n.ha_sock is not None
        p = self.nodes[self.primary]
        try:
            ha.besecondary(n.ha_sock, n.name, p.name, p.ha_ip, 1)
        except error.EOF:
            self._drop(n)
            return False
        except error.Error as e:
            self.out(f"hafw: {n.name}: besecondary({p.name}) failed: {e}")
            return False
        n.role = ha.STATE_SECONDARY
        self.out(f"hafw: {n.name} is secondary of {p.name}")
        return True

    def _promote(self, n: Node) -> bool:
        assert n.ha_sock is not None
        try:
            ha.beprimary(n.ha_sock, n.name)
        except error.EOF:
            self._drop(n)
            return False
        except error.Error as e:
            self.out(f"hafw: {n.name}: beprimary failed: {e}")
            return False
        n.role = ha.STATE_PRIMARY
        self.primary = n.name
        self.out(f"hafw: {n.name} is primary")
        return True

    def start(self) -> None:
        """Connect to every node and assign the initial roles."""
        for name in self.order:
            self._connect(self.nodes[name])
        for name in self.order:
            n = self.nodes[name]
            if n.alive and self._promote(n):
                break
        if self.primary is None:
            raise RuntimeError("no node could be made primary (is gohad running on "
                               + ", ".join(n.ipc for n in self.nodes.values()) + "?)")
        for name in self.order:
            n = self.nodes[name]
            if n.alive and name != self.primary:
                self._make_secondary(n)

    def _primary_alive(self) -> bool:
        if self.primary is None:
            return False
        p = self.nodes[self.primary]
        if not p.alive or p.ha_sock is None:
            return False
        try:
            state, _ = ha.status(p.ha_sock)
        except error.Error:
            self._drop(p)
            return False
        return bool(state == ha.STATE_PRIMARY)

    def failover(self) -> None:
        """Promote the first live secondary and re-point the others."""
        old = self.primary
        self.primary = None
        for name in self.order:
            n = self.nodes[name]
            if name != old and n.alive and self._promote(n):
                break
        if self.primary is None:
            self.out("hafw: no node left to promote")
            return
        self.failovers += 1
        self.out(f"hafw: failover {old} -> {self.primary}")
        for name in self.order:
            n = self.nodes[name]
            if n.alive and name != self.primary:
                self._make_secondary(n)

    def rejoin(self) -> None:
        """Bring nodes whose gohad is back in as secondaries."""
        for name in self.order:
            n = self.nodes[name]
            if not n.alive and self._connect(n, quiet=True):
                self.out(f"hafw: {name} is back")
                if self.primary is None:
                    self._promote(n)
                else:
                    self._make_secondary(n)

    # -- the loop ----------------------------------------------------------------
    def step(self, timeout: float) -> None:
        """Handle what arrives within `timeout` seconds."""
        need_failover = False
        for key, _ in self.sel.select(timeout):
            n: Node = key.data
            try:
                notif = events.read_notification(n.notif_sock)
            except error.Error:  # EOF: that gohad went away
                self.out(f"hafw: lost {n.name}")
                was_primary = n.name == self.primary
                self._drop(n)
                need_failover |= was_primary
                continue
            h = notif.get("hnot", {})
            self.out(f"hafw: {n.name}: {brief(h)}")
            if h.get("type") == events.HA_INFO_NOPRIMARY and not self._primary_alive():
                need_failover = True
        if need_failover or (self.primary is not None and not self.nodes[self.primary].alive):
            self.failover()

    def run(self, duration: Optional[float] = None, rejoin_every: float = 1.0) -> None:
        end = None if duration is None else time.monotonic() + duration
        next_rejoin = time.monotonic() + rejoin_every
        while end is None or time.monotonic() < end:
            self.step(0.2)
            if time.monotonic() >= next_rejoin:
                self.rejoin()
                next_rejoin = time.monotonic() + rejoin_every


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=Path("examples/cluster.toml"))
    ap.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    args = ap.parse_args(argv)
    nodes, token = load_nodes(args.config)
    fw = HAFramework(nodes, token, out=lambda s: print(s, flush=True))
    try:
        fw.start()
        fw.run(args.duration)
    except KeyboardInterrupt:
        pass
    except RuntimeError as e:
        print(f"hafw: {e}", file=sys.stderr)
        return 1
    finally:
        fw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
