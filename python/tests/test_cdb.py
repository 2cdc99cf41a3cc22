"""goha.cdb: the config store through goha_cdb_*."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import goha
import pytest
from goha import cdb, error, ha
from goha.value import Value
from helpers import HA_TOKEN, Cluster, wait_until


def test_argument_checks() -> None:
    with socket.socket(socket.AF_UNIX) as s:
        with pytest.raises(TypeError, match="path must be str"):
            cdb.get(s, b"/a")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="path must be str"):
            cdb.set(s, 1, "x")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            cdb.set(s, "/a", object())
        with pytest.raises(TypeError, match="path must be str"):
            cdb.delete(s, None)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="^path argument must be provided for an AF_UNIX socket$"):
            cdb.connect(s)
        with pytest.raises(TypeError, match=r"dump\(\) path must be str"):
            cdb.dump(s, b"/a")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="NUL"):
            cdb.dump(s, "/a\0")
    with pytest.raises(TypeError, match="sock argument must be a socket"):
        cdb.get("not a socket", "/a")


def test_missing_functions_are_reported_not_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    # A libgoha built before goha_cdb_* existed (simulated).
    monkeypatch.setattr(cdb, "has_symbol", lambda name: False)
    assert not cdb.available()
    with socket.socket(socket.AF_UNIX) as s, pytest.raises(error.Error) as ei:
        cdb.get(s, "/a")
    assert ei.value.confd_errno == error.ERR_NOT_IMPLEMENTED
    assert "goha_cdb_get" in ei.value.confd_lasterr
    with socket.socket(socket.AF_UNIX) as s, pytest.raises(error.Error) as ei:
        cdb.dump(s, "/a")
    assert ei.value.confd_errno == error.ERR_NOT_IMPLEMENTED
    assert "goha_cdb_dump" in ei.value.confd_lasterr


def cdb_sock(c: Cluster, i: int) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    cdb.connect(s, path=c.sock(i))
    return s


@pytest.mark.parametrize("value,py,text", [
    ("hello", "hello", "hello"), (Value("hi", goha.C_STR), "hi", "hi"), (42, 42, "42"), (True, True, "true"),
    (Value(7, goha.C_UINT16), 7, "7"), (2.5, 2.5, "2.5"),
    (Value("10.0.0.1", goha.C_IPV4), ipaddress.IPv4Address("10.0.0.1"), "10.0.0.1"),
    (ipaddress.IPv6Address("::1"), ipaddress.IPv6Address("::1"), "::1"),
    (Value(b"\x01\xff", goha.C_BINARY), b"\x01\xff", "Af8="),
])
def test_set_get_delete(cluster: Cluster, value: Any, py: Any, text: str | None) -> None:
    with cdb_sock(cluster, 1) as s:
        cdb.set(s, "/test/key", value)
        got = cdb.get(s, "/test/key")
        assert got == py and type(got) is type(py)  # typed: 42 comes back as int
        v = cdb.get_value(s, "/test/key")
        assert v.as_pyval() == py and v == (value if isinstance(value, Value) else Value(value))
        if text is not None:
            assert cdb.get_text(s, "/test/key") == text
        cdb.delete(s, "/test/key")
        with pytest.raises(error.Error) as ei:
            cdb.get(s, "/test/key")
        assert ei.value.confd_errno == error.ERR_NOEXISTS


# One text form: goha_cdb_get (cdb.get_text), confd_pp_value (str(Value))
# and the daemon all print a value the same way, for every type the store
# holds and its edge values.
TEXT_FORMS = [
    (Value("", goha.C_STR), ""), (Value("h\u00e9", goha.C_STR), "h\u00e9"), (Value(b"", goha.C_BUF), ""),
    (Value(b"abc", goha.C_BUF), "abc"), (Value(b"", goha.C_BINARY), ""), (Value(b"\x00", goha.C_BINARY), "AA=="),
    (Value(b"hello", goha.C_BINARY), "aGVsbG8="),
    (Value(-128, goha.C_INT8), "-128"), (Value(127, goha.C_INT8), "127"), (Value(-32768, goha.C_INT16), "-32768"),
    (Value(-(2**31), goha.C_INT32), "-2147483648"), (Value(-(2**63), goha.C_INT64), "-9223372036854775808"),
    (Value(2**63 - 1, goha.C_INT64), "9223372036854775807"), (Value(0, goha.C_UINT8), "0"),
    (Value(255, goha.C_UINT8), "255"), (Value(65535, goha.C_UINT16), "65535"),
    (Value(2**32 - 1, goha.C_UINT32), "4294967295"), (Value(2**64 - 1, goha.C_UINT64), "18446744073709551615"),
    (Value(1e6), "1000000"), (Value(1.5e6), "1500000"), (Value(0.1), "0.1"), (Value(-0.0), "-0"),
    (Value(0.0), "0"), (Value(1e17), "1e+17"), (Value(1e-5), "1e-05"), (Value(1 / 3), "0.3333333333333333"),
    (Value(1.7976931348623157e308), "1.7976931348623157e+308"), (Value(5e-324), "5e-324"),
    (Value(float("nan")), "NaN"), (Value(float("inf")), "INF"), (Value(float("-inf")), "-INF"),
    (Value(True), "true"), (Value(False), "false"),
    (Value(ipaddress.IPv4Address("0.0.0.0")), "0.0.0.0"), (Value(ipaddress.IPv4Address("255.255.255.255")), "255.255.255.255"),
    (Value(ipaddress.IPv6Address("::")), "::"), (Value(ipaddress.IPv6Address("2001:db8::1")), "2001:db8::1"),
    (Value(ipaddress.IPv6Address("::ffff:192.0.2.1")), "::ffff:192.0.2.1"),
]


def test_one_text_form(cluster: Cluster) -> None:
    with cdb_sock(cluster, 1) as s:
        for value, want in TEXT_FORMS:
            assert str(value) == want, value
            cdb.set(s, "/text/v", value)
            assert cdb.get_text(s, "/text/v") == want, value
            assert str(cdb.get_value(s, "/text/v")) == want, value


def test_bad_paths(cluster: Cluster) -> None:
    with cdb_sock(cluster, 1) as s:
        for p in ("", "no-slash", "/a//b", "/a/", "/" + "x" * 5000):
            with pytest.raises(error.Error) as ei:
                cdb.set(s, p, "v")
            assert ei.value.confd_errno == error.ERR_BADPATH, p
        with pytest.raises(ValueError, match="NUL"):
            cdb.set(s, "/a\0b", "v")


def test_replicated_and_read_only_on_secondary(cluster: Cluster) -> None:
    h1, h2 = socket.socket(socket.AF_UNIX), socket.socket(socket.AF_UNIX)
    try:
        ha.connect(h1, HA_TOKEN, pstr=cluster.sock(1))
        ha.connect(h2, HA_TOKEN, pstr=cluster.sock(2))
        ha.beprimary(h1, "n1")
        ha.besecondary(h2, "n2", "n1", "127.0.0.1", 1)
        with cdb_sock(cluster, 1) as c1, cdb_sock(cluster, 2) as c2:
            cdb.set(c1, "/repl/a", "1")
            wait_until(lambda: cdb.get(c2, "/repl/a") == "1", 10, "replication to n2")  # a str stays a str
            with pytest.raises(error.Error) as ei:
                cdb.set(c2, "/repl/b", "2")
            assert ei.value.confd_errno == error.ERR_NOT_WRITABLE
    finally:
        h1.close()
        h2.close()


def test_missing_entries_binary_and_eof(cluster: Cluster) -> None:
    with cdb_sock(cluster, 1) as s:
        with pytest.raises(error.Error) as ei:
            cdb.delete(s, "/nothing/here")
        assert ei.value.confd_errno == error.ERR_NOEXISTS
        cdb.set(s, "/bin", Value(b"\x01\xff", goha.C_BINARY))
        assert cdb.get(s, "/bin") == b"\x01\xff"
        assert cdb.get_text(s, "/bin") == "Af8="  # base64, as confd_pp_value
        with plain_sock() as other, pytest.raises(error.Error) as ei:
            cdb.get(other, "/bin")  # not a goha_cdb_connect socket
        assert ei.value.confd_errno == error.ERR_PROTOUSAGE
        cluster.stop_node(1)
        with pytest.raises(error.EOF):
            cdb.get(s, "/bin")


def plain_sock() -> socket.socket:
    return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)


def test_dump(cluster: Cluster) -> None:
    with cdb_sock(cluster, 1) as s:
        before = cdb.dump(s)
        assert isinstance(before, dict)
        cdb.set(s, "/d/b/c", "x y")
        cdb.set(s, "/d/a", 42)
        cdb.set(s, "/d/bin", Value(b"\x00\x01", goha.C_BINARY))
        cdb.set(s, "/dx", True)
        sub = cdb.dump(s, "/d/")
        assert sub == {"/d/a": 42, "/d/b/c": "x y", "/d/bin": b"\x00\x01"}
        assert list(sub) == ["/d/a", "/d/b/c", "/d/bin"]  # path order
        assert all(cdb.get(s, p) == t for p, t in sub.items())  # what get() gives
        # A byte prefix, not a path component: "/d" also matches "/dx".
        assert cdb.dump(s, "/d") == {**sub, "/dx": True}
        assert cdb.dump(s, "") == cdb.dump(s) == {**before, **sub, "/dx": True}
        assert cdb.dump(s, "/nothing/here") == {}
        assert cdb.dump(s, "/d/a") == {"/d/a": 42}
        for bad in ("d", "x/", "/" + "p" * 2000):
            with pytest.raises(error.Error) as ei:
                cdb.dump(s, bad)
            assert ei.value.confd_errno == error.ERR_BADPATH, bad
        with plain_sock() as other, pytest.raises(error.Error) as ei:
            cdb.dump(other, "")
        assert ei.value.confd_errno == error.ERR_PROTOUSAGE
        cdb.delete(s, "/d/a")
        assert cdb.dump(s, "/d/") == {"/d/b/c": "x y", "/d/bin": b"\x00\x01"}
        cluster.stop_node(1)
        with pytest.raises(error.EOF):
            cdb.dump(s)


def test_dump_callback_exception_stops_and_is_reraised(
        cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    class Boom(dict):  # type: ignore[type-arg]
        def __setitem__(self, k: str, v: str) -> None:
            seen.append(k)
            raise RuntimeError(f"boom at {k}")

    class State(cdb._DumpState):
        def __init__(self) -> None:
            super().__init__()
            self.entries = Boom()

    with cdb_sock(cluster, 1) as s:
        cdb.set(s, "/e/1", "a")
        cdb.set(s, "/e/2", "b")
        monkeypatch.setattr(cdb, "_DumpState", State)
        with pytest.raises(RuntimeError, match="boom at /e/1"):
            cdb.dump(s, "/e/")
        assert seen == ["/e/1"]  # the walk stopped at the first entry
        monkeypatch.undo()
        assert cdb.dump(s, "/e/") == {"/e/1": "a", "/e/2": "b"}  # the socket still works
