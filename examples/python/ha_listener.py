#!/usr/bin/env python3
"""Print the HA notifications of one goha node, handling every HA_INFO type
(goha.events, the NSO ``_ncs.events`` interface).

Run it against a node of the demo cluster (the three nodes of
examples/cluster.toml, started as examples/python/hafw.py's docstring shows)::

    PYTHONPATH=python python3 examples/python/ha_listener.py --ipc unix:/tmp/goha-demo/n1.sock

and give HA orders (run examples/python/hafw.py in another terminal, then
stop a gohad).  ``--sync`` subscribes
with NOTIF_HA_INFO_SYNC and acknowledges each event with
sync_ha_notification (gohad waits for that before going on); ``--count N``
stops after N notifications.  It stops when gohad closes the socket.
"""

from __future__ import annotations

import argparse
import selectors
import socket
import sys
from typing import Any, Callable, Iterator, Optional

from goha import error, events


def _node(d: dict[str, Any]) -> str:
    addr = d.get("ip4") or d.get("ip6") or d.get("str") or "?"
    return f"{d['nodeid']} at {addr}"


def describe(notif: dict[str, Any]) -> str:
    """One line for a notification dict of events.read_notification()."""
    if notif.get("type") != events.NOTIF_HA_INFO:
        return f"notification of type {notif.get('type')}"
    h = notif["hnot"]
    t = h["type"]
    if t == events.HA_INFO_NOPRIMARY:
        why = {error.ERR_HA_CLOSED: "the primary closed the connection",
               error.ERR_HA_NOTICK: "the primary stopped sending ticks"}.get(
            h["noprimary"], f"reason {h['noprimary']}")
        return f"NOPRIMARY: we have no primary any more ({why}); now NONE"
    if t == events.HA_INFO_SECONDARY_DIED:
        return f"SECONDARY_DIED: {_node(h['secondary_died'])}"
    if t == events.HA_INFO_SECONDARY_ARRIVED:
        return f"SECONDARY_ARRIVED: {_node(h['secondary_arrived'])}"
    if t == events.HA_INFO_SECONDARY_INITIALIZED:
        how = "by a full copy" if h["cdb_initialized_by_copy"] else "without a copy (same transaction id)"
        return f"SECONDARY_INITIALIZED: our store is in sync, {how}"
    if t == events.HA_INFO_IS_PRIMARY:
        return "IS_PRIMARY: we are now primary"
    if t == events.HA_INFO_IS_NONE:
        return "IS_NONE: we are now none"
    if t == events.HA_INFO_BESECONDARY_RESULT:
        r = h["besecondary_result"]
        if r == 0:
            return "BESECONDARY_RESULT: ok, we are a secondary"
        return f"BESECONDARY_RESULT: failed: {error.strerror(r)} ({r})"
    return f"unknown HA_INFO type {t}"


def open_socket(ipc: str) -> tuple[socket.socket, dict[str, Any]]:
    if ipc.startswith("unix:"):
        return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM), {"path": ipc[5:]}
    host, _, port = ipc.rpartition(":")
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.socket(fam, socket.SOCK_STREAM), {"ip": host, "port": int(port)}


def listen(ipc: str, sync: bool = False, timeout: Optional[float] = None,
           on_ready: Optional[Callable[[], None]] = None) -> Iterator[dict[str, Any]]:
    """Yield the node's HA notifications until gohad closes the socket (or
    `timeout` seconds pass without one).  on_ready is called once the
    subscription is in place."""
    s, addr = open_socket(ipc)
    mask = events.NOTIF_HA_INFO | (events.NOTIF_HA_INFO_SYNC if sync else 0)
    with s, selectors.DefaultSelector() as sel:
        events.notifications_connect(s, mask, **addr)
        if on_ready is not None:
            on_ready()
        sel.register(s, selectors.EVENT_READ)
        while sel.select(timeout):
            try:
                n = events.read_notification(s)
            except error.EOF:
                return
            if sync:
                events.sync_ha_notification(s)
            yield n


def main(argv: Optional[list[str]] = None, out: Callable[[str], None] = print) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ipc", required=True, help='control endpoint, "unix:/path" or "host:port"')
    ap.add_argument("--sync", action="store_true", help="subscribe with NOTIF_HA_INFO_SYNC")
    ap.add_argument("--count", type=int, default=0, help="stop after this many notifications")
    args = ap.parse_args(argv)
    seen = 0
    try:
        for n in listen(args.ipc, args.sync):
            out(describe(n))
            seen += 1
            if args.count and seen >= args.count:
                break
    except KeyboardInterrupt:
        pass
    except error.Error as e:
        out(f"ha_listener: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(out=lambda s: print(s, flush=True)))
