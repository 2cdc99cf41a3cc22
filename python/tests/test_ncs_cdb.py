"""_ncs/_confd module names over goha, goha.confd_cdb (= _ncs.cdb), and
goha.cdb.watch, against real gohad nodes; and an NSO-style program
(nso_style/cdb_ha_app.py) that uses only NSO's documented API, run
unchanged."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import pytest
from goha import cdb as gcdb
from goha import ha
from helpers import HA_TOKEN, ROOT, Cluster

import _confd
import _ncs
from _ncs import cdb, error, events


def test_module_names_and_constants() -> None:
    import _ncs.cdb
    import _ncs.ha  # noqa: F401
    from _confd import cdb as ccdb, events as cevents, ha as cha  # noqa: F401
    # the real modules' values (spec/confd-cdb.md section 4)
    assert (_ncs.OK, _ncs.ERR, _ncs.EOF, _ncs.ACCUMULATE, _ncs.IN_USE) == (0, -1, -2, 1, -5)
    assert (_ncs.ERR_NOEXISTS, _ncs.ERR_BADPATH, _ncs.ERR_PROTOUSAGE, _ncs.ERR_HA_ABORT) == (1, 8, 21, 71)
    assert _ncs.NCS_ERR_CONNECTION_REFUSED == 56 and not hasattr(_ncs, "ERR_CONNECTION_REFUSED")
    assert not hasattr(_confd, "NCS_ERR_DEVICE") and _confd.ERR_NOT_IMPLEMENTED == 51
    assert (_ncs.ERRCODE_IN_USE, _ncs.ERRCODE_INTERRUPT) == (0, 9)
    assert (_ncs.CONFD_PORT, _ncs.NCS_PORT, _confd.CONFD_PORT) == (4565, 4569, 4565)
    assert isinstance(_ncs.ADDR, str) and isinstance(_ncs.PORT, int) and isinstance(_ncs.PATH, str)
    assert (_ncs.SILENT, _ncs.DEBUG, _ncs.TRACE, _ncs.PROTO_TRACE) == (0, 1, 2, 3)
    assert (_ncs.VERBOSITY_NORMAL, _ncs.VERBOSITY_VERBOSE, _ncs.VERBOSITY_VERY_VERBOSE,
            _ncs.VERBOSITY_DEBUG) == (0, 1, 2, 3)
    assert (_ncs.LIB_VSN, _ncs.LIB_VSN_STR, _ncs.LIB_API_VSN_STR) == (0x08020500, "08020500", "08020300")
    assert (_ncs.ITER_STOP, _ncs.ITER_RECURSE, _ncs.ITER_CONTINUE, _ncs.ITER_SUSPEND, _ncs.ITER_UP) == (1, 2, 3, 4, 5)
    assert (_ncs.MOP_CREATED, _ncs.MOP_DELETED, _ncs.MOP_MODIFIED, _ncs.MOP_VALUE_SET) == (1, 2, 3, 4)
    assert (_ncs.ITER_WANT_PREV, _ncs.ITER_WANT_ANCESTOR_DELETE, _ncs.ITER_WANT_CLI_ORDER) == (1, 2, 1024)
    assert (_ncs.C_BUF, _ncs.C_INT32, _ncs.C_XMLTAG, _ncs.C_BINARY, _ncs.C_EMPTY) == (5, 8, 2, 39, 53)
    # the traps: MAAPI's databases at the top, CDB's in cdb
    assert (_ncs.RUNNING, _ncs.OPERATIONAL, cdb.RUNNING, cdb.OPERATIONAL) == (2, 4, 1, 3)
    assert (cdb.READ_SOCKET, cdb.SUBSCRIPTION_SOCKET, cdb.DATA_SOCKET) == (0, 1, 2)
    assert (cdb.DONE_PRIORITY, cdb.DONE_SOCKET, cdb.DONE_TRANSACTION, cdb.DONE_OPERATIONAL) == (1, 2, 3, 4)
    assert (cdb.SUB_FLAG_IS_LAST, cdb.SUB_FLAG_HA_SYNC, cdb.SUB_FLAG_HA_IS_SECONDARY) == (1, 8, 16)
    # every NOTIF_* kind with its C value; NSO's own only in _ncs.events
    bits = {"AUDIT": 0, "DAEMON": 1, "TAKEOVER_SYSLOG": 2, "COMMIT_SIMPLE": 3, "COMMIT_DIFF": 4,
            "USER_SESSION": 5, "HA_INFO": 6, "SUBAGENT_INFO": 7, "COMMIT_FAILED": 8, "SNMPA": 9,
            "FORWARD_INFO": 10, "NETCONF": 11, "DEVEL": 12, "HEARTBEAT": 13, "CONFIRMED_COMMIT": 14,
            "UPGRADE_EVENT": 15, "COMMIT_PROGRESS": 16, "AUDIT_SYNC": 17, "HEALTH_CHECK": 18,
            "STREAM_EVENT": 19, "HA_INFO_SYNC": 20, "REOPEN_LOGS": 23, "PROGRESS": 24, "JSONRPC": 26,
            "WEBUI": 27, "COMPACTION": 30, "SYSTEM_GOING_DOWN": 31}
    for name, bit in bits.items():
        assert getattr(events, "NOTIF_" + name) == 1 << bit, name
        assert getattr(cevents, "NOTIF_" + name) == 1 << bit, name
    for name, bit in {"PACKAGE_RELOAD": 21, "CQ_PROGRESS": 22, "CALL_HOME_INFO": 25, "AUDIT_NETWORK": 28,
                      "AUDIT_NETWORK_SYNC": 29}.items():
        assert getattr(events, "NCS_NOTIF_" + name) == 1 << bit
        assert not hasattr(cevents, "NCS_NOTIF_" + name)
    assert (events.NOTIF_SYSLOG, events.NOTIF_SYSLOG_TAKEOVER) == (2, 6)
    assert events.HA_INFO_IS_PRIMARY == 5 and cha.STATE_PRIMARY == 3
    assert error.Error is _confd.error.Error and issubclass(error.EOF, error.Error)
    from goha.error import ERR_HA_BADNAME  # goha.error exports its codes
    assert ERR_HA_BADNAME == 29


def test_addresses_follow_the_environment() -> None:
    code = ("import _ncs, _confd; print(_ncs.ADDR, _ncs.PORT, _ncs.PATH, _confd.PORT)")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"), GOHA_IPC="127.0.0.5:7777")
    env.pop("NCS_IPC_PORT", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["127.0.0.5", "7777", "/var/run/goha/gohad.sock", "7777"]
    env.update(GOHA_IPC="unix:/run/x.sock", NCS_IPC_PORT="1234", NCS_IPC_ADDR="10.1.1.1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["10.1.1.1", "1234", "/run/x.sock", "4565"]


def test_value_and_notifications_data() -> None:
    v = _ncs.Value("x")
    assert (v.confd_type(), v.confd_type_str(), v.as_pyval(), str(v)) == (_ncs.C_BUF, "C_BUF", "x", "x")
    assert _ncs.Value(v.as_pyval(), v.confd_type()) == v
    t = _ncs.Value((0, 12345), _ncs.C_XMLTAG)
    assert t.as_xmltag() == _ncs.XmlTag(0, 12345) and str(t) == "12345"
    with pytest.raises(TypeError):
        _ncs.Value(1.5).as_xmltag()
    nodata = _ncs.Value(init=1, type=_ncs.C_NOEXISTS)
    d = events.NotificationsData(1000, 2000, "stream", nodata, nodata)
    assert str(d).startswith("_ncs.events.NotificationsData(heartbeat_interval=1000, health_check_interval=2000")
    with pytest.raises(TypeError):
        events.NotificationsData(1000, 1000, "s", nodata)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        events.NotificationsData(1000, 1000, "s", _ncs.Value(5), nodata)
    with socket.socket(socket.AF_UNIX) as s:
        with pytest.raises(TypeError, match="NotificationsData"):
            events.notifications_connect2(s, events.NOTIF_HA_INFO, {}, path="/nonexistent")  # type: ignore[arg-type]
        with pytest.raises(error.Error) as ei:
            events.notifications_connect2(s, events.NOTIF_HEARTBEAT, d, path="/nonexistent/sock")
        assert ei.value.confd_errno == _ncs.ERR_OS


def test_cdb_argument_checks() -> None:
    with socket.socket(socket.AF_UNIX) as s:
        with pytest.raises(TypeError, match="string literal"):
            cdb.get(s, b"/a")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            cdb.set_elem(s, 5, "/a")
        with pytest.raises(TypeError):
            cdb.subscribe(s, "10", 0, "/a")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            cdb.diff_iterate(s, 1, None, 0, None)  # type: ignore[arg-type]
        with pytest.raises(error.Error) as ei:  # not a CDB socket
            cdb.start_session(s, cdb.RUNNING)
        assert ei.value.confd_errno == _ncs.ERR_PROTOUSAGE
        with pytest.raises(error.Error) as ei:
            cdb.connect(s, 9, path="/nonexistent")
        assert ei.value.confd_errno == _ncs.ERR_PROTOUSAGE
    with pytest.raises(TypeError):
        gcdb.watch(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        gcdb.watch("", after=-1)
    with pytest.raises(error.Error) as ei:
        gcdb.watch("", ipc="unix:/nonexistent/gohad.sock")
    assert ei.value.confd_errno == _ncs.ERR_OS


def _ha_roles(c: Cluster) -> list[socket.socket]:
    """n1 primary, the others its secondaries (waiting for the sync)."""
    socks = []
    for i in range(1, c.n + 1):
        s = socket.socket(socket.AF_UNIX)
        ha.connect(s, HA_TOKEN, pstr=c.sock(i))
        socks.append(s)
    ha.beprimary(socks[0], "n1")
    for i in range(2, c.n + 1):
        ha.besecondary(socks[i - 1], f"n{i}", "n1", "127.0.0.1", 1)
    return socks


def _sock(c: Cluster, i: int, kind: int) -> socket.socket:
    s = socket.socket(socket.AF_UNIX)
    cdb.connect(s, kind, path=c.sock(i))
    return s


def _write(c: Cluster, path: str, value: Any) -> threading.Thread:
    """Commit on n1 in a thread (the commit may wait for subscribers)."""
    def run() -> None:
        with socket.socket(socket.AF_UNIX) as s:
            gcdb.connect(s, path=c.sock(1))
            gcdb.set(s, path, value)
    t = threading.Thread(target=run)
    t.start()
    return t


def _readable(s: socket.socket, timeout: float = 10) -> bool:
    return bool(select.select([s], [], [], timeout)[0])


def test_subscriptions_watch_and_ha(make_cluster: Callable[..., Cluster]) -> None:
    c = make_cluster(2)
    hs = _ha_roles(c)
    try:
        # A ConfD subscriber on the primary, at two priorities; watches on
        # both nodes.
        sub = _sock(c, 1, cdb.SUBSCRIPTION_SOCKET)
        p1 = cdb.subscribe(sub, 1, 0, "/sys/hosts/host")
        p2 = cdb.subscribe2(sub, cdb.SUB_RUNNING, 0, 2, 0, "/sys")
        with pytest.raises(error.Error) as ei:
            cdb.subscribe(sub, 1, 0, "/sys{")
        assert ei.value.confd_errno == _ncs.ERR_BADPATH
        cdb.subscribe_done(sub)
        w1 = gcdb.watch("/sys/", ipc="unix:" + c.sock(1), timeout=10)
        w2 = gcdb.watch("/sys/", ipc="unix:" + c.sock(2), timeout=10)
        next_w1 = w1

        t = _write(c, '/sys/hosts/host{"a b"}/port', _ncs.Value(22, _ncs.C_UINT16))
        assert _readable(sub)
        typ, flags, pts = cdb.read_subscription_socket2(sub)
        assert (typ, flags, pts) == (cdb.SUB_COMMIT, 0, [p1])
        seen: list[str] = []

        def it(kp: Any, op: int, oldv: Any, newv: Any, state: list[str]) -> int:
            state.append(f"{op} {kp} {oldv} {newv} {len(kp)} {kp[0]}")
            return _ncs.ITER_RECURSE

        assert cdb.diff_iterate(sub, p1, it, _ncs.ITER_WANT_PREV, seen) == _ncs.ITER_RECURSE
        assert seen[0].startswith('1 /sys/hosts/host{"a b"} None None 4 (')
        assert seen[1].startswith('4 /sys/hosts/host{"a b"}/port None 22 5')
        assert t.is_alive(), "the commit waits for the subscriber"
        cdb.sync_subscription_socket(sub, cdb.DONE_PRIORITY)
        assert _readable(sub)
        assert cdb.read_subscription_socket(sub) == [p2]
        kept: list[Any] = []
        cdb.diff_iterate(sub, p2, lambda kp, *a: kept.append(kp.dup()), 0, None)  # None: ITER_STOP
        assert len(kept) == 1 and str(kept[0]) == "/sys" and str(kept[0][0][0]) == "sys"
        with pytest.raises(ZeroDivisionError):
            cdb.diff_iterate(sub, p2, lambda *a: 1 / 0, 0, None)
        cdb.sync_subscription_socket(sub, cdb.DONE_PRIORITY)
        t.join(10)
        assert not t.is_alive()

        # Every node's watch sees the commit once, with its txid.
        e1 = next(next_w1)
        e2 = next(w2)
        assert e1.txid == e2.txid and not e1.reset and not e1.resync
        assert e1.prev == e1.txid - 1 and e1.discarded is None
        assert [(ch.path, ch.old, str(ch.new)) for ch in e2.changes] == [('/sys/hosts/host{"a b"}/port', None, "22")]

        # Data socket reads, an operational write, and resuming a watch.
        d = _sock(c, 1, cdb.DATA_SOCKET)
        cdb.start_session(d, cdb.RUNNING)
        assert cdb.get(d, '/sys/hosts/host{"a b"}/port').as_pyval() == 22
        assert cdb.exists(d, "/sys/hosts") and not cdb.exists(d, "/sys/nothing")
        with pytest.raises(error.Error) as ei:
            cdb.set_elem(d, "23", '/sys/hosts/host{"a b"}/port')
        assert ei.value.confd_errno == _ncs.ERR_NOT_WRITABLE
        assert cdb.get_txid(d)[3] == "n1"
        cdb.end_session(d)
        cdb.start_session(d, cdb.OPERATIONAL)
        cdb.close(sub)  # a subscriber that went away holds no commit
        cdb.set_elem(d, "23", '/sys/hosts/host{"a b"}/port')
        cdb.set_elem(d, _ncs.Value("1.5%"), "/sys/load")  # a literal %
        cdb.close(d)
        more = [next(next_w1), next(next_w1)]
        assert [str(m.changes[0].new) for m in more] == ["23", "1.5%"]
        assert more[0].txid == e1.txid + 1 and more[1].txid == e1.txid + 2
        resumed = list(gcdb.watch("/sys/", after=e1.txid, ipc="unix:" + c.sock(2), timeout=2))
        assert [(e.prev, e.txid) for e in resumed] == [(e1.txid, e1.txid + 1), (e1.txid + 1, e1.txid + 2)]
        with gcdb.watch("", after=10**9, ipc="unix:" + c.sock(2), timeout=10) as lw:
            lost = next(lw)
        assert lost.resync and lost.changes == []
        with pytest.raises(error.Error) as ei:
            gcdb.watch("nope", ipc="unix:" + c.sock(1))
        assert ei.value.confd_errno == _ncs.ERR_BADPATH
        w1.close()
        w2.close()
    finally:
        for s in hs:
            s.close()


def test_nso_style_program_unchanged(make_cluster: Callable[..., Cluster]) -> None:
    """nso_style/cdb_ha_app.py (written against NSO's API documentation)
    runs unchanged: reads config, prints each change of its subscription
    point and each HA notification."""
    c = make_cluster(1)
    with socket.socket(socket.AF_UNIX) as s:
        gcdb.connect(s, path=c.sock(1))
        gcdb.set(s, "/app/name", "demo")
        gcdb.set(s, "/app/servers/server{www}/port", _ncs.Value(80, _ncs.C_UINT16))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"), NCS_IPC_PATH=c.sock(1))
    app = subprocess.Popen([sys.executable, str(Path(__file__).parent / "nso_style" / "cdb_ha_app.py"),
                            "--count", "8"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        assert app.stdout is not None
        lines = []
        while True:
            line = app.stdout.readline()
            assert line, f"the app ended early: {lines} {app.stderr.read() if app.stderr else ''}"
            lines.append(line.strip())
            if line.strip() == "READY":
                break
        with socket.socket(socket.AF_UNIX) as s, socket.socket(socket.AF_UNIX) as h:
            gcdb.connect(s, path=c.sock(1))
            gcdb.set(s, "/app/servers/server{ftp}/port", _ncs.Value(21, _ncs.C_UINT16))
            gcdb.set(s, "/app/other", "not subscribed")
            gcdb.delete(s, "/app/servers/server{www}/port")
            ha.connect(h, HA_TOKEN, pstr=c.sock(1))
            ha.beprimary(h, "n1")
            out, err = app.communicate(timeout=30)
        lines += out.split("\n")
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    assert app.returncode == 0, err
    assert lines[:4] == ["CONFIG name=demo type=C_BUF", "CONFIG www port=80", "CONFIG missing errno=1",
                         "CONFIG txid known=True"], lines
    body = [ln for ln in lines[5:] if ln]
    assert body == ["CDB created /app/servers/server{ftp} - -", "CDB value_set /app/servers/server{ftp}/port - 21",
                    "CDB deleted /app/servers/server{www} - -", "HA 5"], body
