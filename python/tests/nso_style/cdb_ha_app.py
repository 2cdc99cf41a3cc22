"""A small NSO-style application written only against NSO's documented
low-level Python API (_ncs, _ncs.cdb, _ncs.events, _ncs.error): the test
runs it unchanged on goha.

It reads its configuration under /app through a CDB data socket, subscribes
to /app/servers/server and prints every change with cdb.diff_iterate, and
listens to HA notifications (with a mask that asks for other kinds too, as
NSO applications do), until it has printed `--count` lines.  Output: one
line per event, "HA <type>" or "CDB <op> <keypath> <old> <new>", and
"CONFIG <name>=<value>" at start.
"""

import argparse
import os
import select
import socket
import sys

import _ncs
from _ncs import cdb, error, events

OPS = {_ncs.MOP_CREATED: "created", _ncs.MOP_DELETED: "deleted",
       _ncs.MOP_MODIFIED: "modified", _ncs.MOP_VALUE_SET: "value_set"}


def connect(sock, kind):
    path = os.environ.get("NCS_IPC_PATH") or _ncs.PATH
    if sock.family == socket.AF_UNIX:
        cdb.connect(sock, kind, path=path)
    else:
        cdb.connect(sock, kind, ip=_ncs.ADDR, port=_ncs.PORT)


def read_config(out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connect(s, cdb.DATA_SOCKET)
    cdb.start_session(s, cdb.RUNNING)
    try:
        name = cdb.get(s, "/app/name")
        out.append("CONFIG name=%s type=%s" % (name, name.confd_type_str()))
        if cdb.exists(s, "/app/servers/server{www}"):
            port = cdb.get(s, "/app/servers/server{www}/port")
            out.append("CONFIG www port=%s" % port.as_pyval())
        try:
            cdb.get(s, "/app/missing")
        except error.Error as e:
            out.append("CONFIG missing errno=%d" % e.confd_errno)
        txid = cdb.get_txid(s)
        out.append("CONFIG txid known=%s" % (txid[1] > 0))
    finally:
        cdb.end_session(s)
        cdb.close(s)


def iterate(kp, op, oldv, newv, state):
    state.append("CDB %s %s %s %s" % (OPS.get(op, op), str(kp),
                                      oldv if oldv is not None else "-",
                                      newv if newv is not None else "-"))
    return _ncs.ITER_RECURSE


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, required=True)
    args = ap.parse_args()
    out = []
    read_config(out)
    for line in out:
        print(line, flush=True)

    sub = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connect(sub, cdb.SUBSCRIPTION_SOCKET)
    point = cdb.subscribe(sub, 100, 0, "/app/servers/server")
    cdb.subscribe_done(sub)

    notif = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = events.NOTIF_HA_INFO | events.NOTIF_COMMIT_SIMPLE | events.NOTIF_DAEMON
    nodata = _ncs.Value(init=1, type=_ncs.C_NOEXISTS)
    data = events.NotificationsData(heartbeat_interval=1000, health_check_interval=1000,
                                    stream_name="", start_time=nodata, stop_time=nodata,
                                    verbosity=_ncs.VERBOSITY_NORMAL)
    events.notifications_connect2(notif, mask, data,
                                  path=os.environ.get("NCS_IPC_PATH") or _ncs.PATH)
    print("READY", flush=True)

    printed = len(out)
    while printed < args.count:
        r, _, _ = select.select([sub, notif], [], [], 30)
        if not r:
            print("TIMEOUT", flush=True)
            return 1
        if sub in r:
            for p in cdb.read_subscription_socket(sub):
                state = []
                if p == point:
                    cdb.diff_iterate(sub, p, iterate, _ncs.ITER_WANT_PREV, state)
                for line in state:
                    print(line, flush=True)
                printed += len(state)
            cdb.sync_subscription_socket(sub, cdb.DONE_PRIORITY)
        if notif in r:
            n = events.read_notification(notif)
            if n["type"] == events.NOTIF_HA_INFO:
                print("HA %d" % n["hnot"]["type"], flush=True)
                printed += 1
            elif n["type"] == events.NOTIF_COMMIT_SIMPLE:
                print("COMMIT", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
