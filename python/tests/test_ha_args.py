"""goha.ha and goha.events argument checking: the exceptions and messages of
NSO's _ncs.ha/_ncs.events for wrong types, unsupported socket families,
missing or bad addresses, closed and foreign sockets.  These run without a
daemon, or against a gohad that is not asked for HA work."""

from __future__ import annotations

import socket
import threading
from typing import Any

import goha
import pytest
from goha import _sock, error, events, ha
from goha._ffi import ffi, lib
from goha.value import Value


class FakeSock:
    def __init__(self, family: int, fd: int = 99999) -> None:
        self.family = family
        self._fd = fd

    def fileno(self) -> int:
        return self._fd


def unix() -> socket.socket:
    return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)


def closed_sock() -> socket.socket:
    s = unix()
    s.close()
    return s


# -- connect ------------------------------------------------------------------

def test_connect_unix_needs_path() -> None:
    with unix() as s, pytest.raises(TypeError, match="^path argument must be provided for an AF_UNIX socket$"):
        ha.connect(s, "tok")


@pytest.mark.parametrize("family,kw", [
    (socket.AF_INET, {}), (socket.AF_INET, {"ip": "127.0.0.1"}), (socket.AF_INET, {"port": 1}),
    (socket.AF_INET6, {}), (socket.AF_INET6, {"ip": "::1"}),
])
def test_connect_inet_needs_ip_and_port(family: int, kw: dict[str, Any]) -> None:
    with socket.socket(family, socket.SOCK_STREAM) as s, pytest.raises(TypeError, match="ip and port"):
        ha.connect(s, "tok", **kw)


@pytest.mark.parametrize("family,ip", [
    (socket.AF_INET, "1.2.3"), (socket.AF_INET, "::1"), (socket.AF_INET, "localhost"),
    (socket.AF_INET, "256.1.1.1"), (socket.AF_INET6, "1.2.3.4"), (socket.AF_INET6, "fe80:::1"),
    (socket.AF_INET, ""),
])
def test_connect_bad_ip(family: int, ip: str) -> None:
    with socket.socket(family, socket.SOCK_STREAM) as s, pytest.raises(ValueError) as ei:
        ha.connect(s, "tok", ip=ip, port=4569)
    assert str(ei.value) == f"invalid IP address: {ip}"


def test_connect_unsupported_family() -> None:
    with pytest.raises(TypeError, match=f"^unsupported socket family: {int(socket.AF_NETLINK)}$"):
        ha.connect(FakeSock(socket.AF_NETLINK), "tok", ip="1.2.3.4", port=1)
    with pytest.raises(TypeError, match="^unsupported socket family: 12345$"):
        ha.connect(FakeSock(12345), "tok")


def test_connect_wrong_types() -> None:
    with unix() as s:
        with pytest.raises(TypeError, match="argument 2 must be str, not int"):
            ha.connect(s, 123, pstr="/x")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            ha.connect(s, "tok", pstr=b"/x")  # type: ignore[arg-type]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        with pytest.raises(TypeError):
            ha.connect(s, "tok", ip=b"127.0.0.1", port=1)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            ha.connect(s, "tok", ip="127.0.0.1", port="1")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            ha.connect(s, "tok", ip="127.0.0.1", port=70000)
    with pytest.raises(TypeError, match="sock argument must be a socket"):
        ha.connect(42, "tok", pstr="/x")
    with pytest.raises(TypeError):
        ha.connect()  # type: ignore[call-arg]


def test_connect_nobody_listening(tmp_path: Any) -> None:
    with unix() as s, pytest.raises(error.Error) as ei:
        ha.connect(s, "tok", pstr=str(tmp_path / "none.sock"))
    assert ei.value.confd_errno == error.ERR_OS
    assert "connect" in ei.value.confd_lasterr
    # A TCP port nobody listens on.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with socket.socket() as s, pytest.raises(error.Error) as ei:
        ha.connect(s, "tok", ip="127.0.0.1", port=port)
    assert ei.value.confd_errno == error.ERR_OS


def test_connect_closed_socket() -> None:
    with pytest.raises(error.Error) as ei:
        ha.connect(closed_sock(), "tok", pstr="/tmp/x.sock")
    assert ei.value.confd_errno == error.ERR_OS


# -- orders -----------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda s: ha.beprimary(s, "n1"),
    lambda s: ha.besecondary(s, "n2", "n1", "127.0.0.1", 1),
    lambda s: ha.berelay(s),
    lambda s: ha.benone(s),
    lambda s: ha.secondary_dead(s, "n2"),
    lambda s: ha.status(s),
    lambda s: events.read_notification(s),
    lambda s: events.sync_ha_notification(s),
])
def test_orders_on_foreign_and_closed_sockets(call: Any) -> None:
    with unix() as s, pytest.raises(error.Error) as ei:
        call(s)
    assert ei.value.confd_errno == error.ERR_PROTOUSAGE
    with pytest.raises(error.Error) as ei:
        call(closed_sock())
    assert ei.value.confd_errno == error.ERR_OS


@pytest.mark.parametrize("call,name", [
    (lambda s, v: ha.beprimary(s, v), "mynodeid"),
    (lambda s, v: ha.besecondary(s, v, "n1", "127.0.0.1", 0), "mynodeid"),
    (lambda s, v: ha.besecondary(s, "n2", v, "127.0.0.1", 0), "primary_id"),
    (lambda s, v: ha.secondary_dead(s, v), "nodeid"),
])
def test_node_id_types(call: Any, name: str) -> None:
    with unix() as s:
        for bad in (1, b"n1", None, 1.5):
            with pytest.raises(TypeError, match=f"^{name} argument must be a goha.Value or a string$"):
                call(s, bad)
        # A Value that is no node id (C_NOEXISTS): the library's own check.
        with pytest.raises(error.Error) as ei:
            call(s, Value(None))
        assert ei.value.confd_errno == error.ERR_BADTYPE
        # A Value C_BUF, or of any other type (ConfD takes any id, goha its
        # text), passes the type checks and reaches the socket check.
        for good in (Value("n1"), Value(5, goha.C_INT32)):
            with pytest.raises(error.Error) as ei:
                call(s, good)
            assert ei.value.confd_errno == error.ERR_PROTOUSAGE


@pytest.mark.parametrize("ip", ["1.2.3", "", "n1", "1.2.3.4.5", "::g"])
def test_besecondary_bad_primary_ip(ip: str) -> None:
    with unix() as s, pytest.raises(ValueError, match=r"^Invalid primary_ip address\.$"):
        ha.besecondary(s, "n2", "n1", ip, 1)


def test_besecondary_argument_types() -> None:
    with unix() as s:
        with pytest.raises(TypeError):
            ha.besecondary(s, "n2", "n1", 127, 1)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            ha.besecondary(s, "n2", "n1", "127.0.0.1", "yes")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            ha.besecondary(s, "n2", "n1", "127.0.0.1")  # type: ignore[call-arg]
        # bool and IPv6 are accepted and reach the socket check.
        for ip in ("127.0.0.1", "::1", "fe80::1"):
            with pytest.raises(error.Error) as ei:
                ha.besecondary(s, "n2", "n1", ip, True)
            assert ei.value.confd_errno == error.ERR_PROTOUSAGE


def test_deprecated_aliases_are_the_same_functions() -> None:
    assert ha.bemaster is ha.beprimary
    assert ha.beslave is ha.besecondary
    assert ha.slave_dead is ha.secondary_dead
    assert (ha.STATE_NONE, ha.STATE_SECONDARY, ha.STATE_PRIMARY, ha.STATE_SECONDARY_RELAY) == (1, 2, 3, 4)
    assert (ha.STATE_SLAVE, ha.STATE_MASTER, ha.STATE_SLAVE_RELAY) == (2, 3, 4)


def test_event_constants() -> None:
    assert (events.NOTIF_HA_INFO, events.NOTIF_HA_INFO_SYNC) == (64, 1 << 20)
    assert [events.HA_INFO_NOPRIMARY, events.HA_INFO_SECONDARY_DIED, events.HA_INFO_SECONDARY_ARRIVED,
            events.HA_INFO_SECONDARY_INITIALIZED, events.HA_INFO_IS_PRIMARY, events.HA_INFO_IS_NONE,
            events.HA_INFO_BESECONDARY_RESULT] == list(range(1, 8))
    assert (events.HA_INFO_NOMASTER, events.HA_INFO_SLAVE_DIED, events.HA_INFO_SLAVE_ARRIVED,
            events.HA_INFO_SLAVE_INITIALIZED, events.HA_INFO_IS_MASTER, events.HA_INFO_BESLAVE_RESULT) == \
        (1, 2, 3, 4, 5, 7)


# -- notifications_connect --------------------------------------------------

def test_notifications_connect_checks(tmp_path: Any) -> None:
    path = str(tmp_path / "none.sock")
    with unix() as s:
        with pytest.raises(TypeError, match="^path argument must be provided for an AF_UNIX socket$"):
            events.notifications_connect(s, events.NOTIF_HA_INFO)
        with pytest.raises(TypeError):
            events.notifications_connect(s, "64", path=path)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            events.notifications_connect(s, True, path=path)
        for mask, code in ((0, error.ERR_PROTOUSAGE), (events.NOTIF_HA_INFO_SYNC, error.ERR_PROTOUSAGE),
                           (1 << 40, error.ERR_PROTOUSAGE),
                           # kinds goha does not produce are accepted: the
                           # connect itself fails (no such socket file)
                           (1, error.ERR_OS), (events.NOTIF_HA_INFO | 2, error.ERR_OS)):
            with pytest.raises(error.Error) as ei:
                events.notifications_connect(s, mask, path=path)
            assert ei.value.confd_errno == code, mask
        with pytest.raises(error.Error) as ei:
            events.notifications_connect(s, events.NOTIF_HA_INFO, path=path)
        assert ei.value.confd_errno == error.ERR_OS
    with socket.socket() as s:
        with pytest.raises(ValueError, match="^invalid IP address: x$"):
            events.notifications_connect(s, events.NOTIF_HA_INFO, ip="x", port=1)
        with pytest.raises(TypeError, match="ip and port"):
            events.notifications_connect(s, events.NOTIF_HA_INFO, ip="127.0.0.1")
    with pytest.raises(TypeError, match="^unsupported socket family: 12345$"):
        events.notifications_connect(FakeSock(12345), events.NOTIF_HA_INFO)


# -- what status/read_notification make of filled-in C structs ----------------

def test_node_address_ipv4_ipv6_and_text() -> None:
    node = ffi.new("struct confd_ha_node *")
    # Node ids as the library fills them: C_BUF pointing into buf[].
    node.buf = b"n2"
    node.nodeid.type = lib.C_BUF
    node.nodeid.val.buf.ptr = ffi.cast("unsigned char *", node.buf)
    node.nodeid.val.buf.size = 2
    node.af = socket.AF_INET6
    ffi.memmove(ffi.addressof(node.addr.ip6), socket.inet_pton(socket.AF_INET6, "2001:db8::17"), 16)
    assert _sock.node_address(node) == "2001:db8::17"
    assert events._node(node)["ip6"] == "2001:db8::17"
    node.af = socket.AF_INET
    ffi.memmove(ffi.addressof(node.addr.ip4), socket.inet_pton(socket.AF_INET, "10.0.0.9"), 4)
    assert _sock.node_address(node) == "10.0.0.9"
    keep = ffi.new("char[]", b"primary.example")
    node.af = socket.AF_UNSPEC
    node.addr.str = keep
    d = events._node(node)
    assert d["str"] == "primary.example" and d["af"] == socket.AF_UNSPEC
    assert _sock.node_text(node.nodeid) == "n2"
    assert events._node(node)["nodeid"] == Value("n2")


# -- threads ----------------------------------------------------------------

def test_errors_from_many_threads_stay_per_thread() -> None:
    """confd_errno and confd_lasterr are per thread: concurrent failing calls
    of different kinds each see their own code and text."""
    barrier = threading.Barrier(8)
    failures: list[str] = []

    def worker(k: int) -> None:
        try:
            barrier.wait(5)
            for _ in range(200):
                if k % 2:
                    with unix() as s:
                        try:
                            ha.beprimary(s, Value(None))  # C_NOEXISTS: no node id
                        except error.Error as e:
                            assert e.confd_errno == error.ERR_BADTYPE, e
                            assert "confd_ha_beprimary" in e.confd_lasterr, e
                        else:
                            raise AssertionError("no error")
                else:
                    try:
                        ha.status(closed_sock())
                    except error.Error as e:
                        assert e.confd_errno == error.ERR_OS, e
                        assert "confd_ha_get_status" in e.confd_lasterr, e
                    else:
                        raise AssertionError("no error")
        except BaseException as e:  # noqa: BLE001
            failures.append(f"thread {k}: {e!r}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures[:3]
