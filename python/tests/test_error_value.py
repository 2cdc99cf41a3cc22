"""goha.error and goha.Value, without a daemon."""

from __future__ import annotations

import ipaddress
import socket

import goha
import pytest
from goha import error, ha
from goha._ffi import ffi, lib
from goha.value import Value


def test_err_constants_have_the_c_values() -> None:
    names = [n for n in dir(lib) if n.startswith(("CONFD_ERR_", "NCS_ERR_"))]
    assert len(names) == 71
    for n in names:
        short = "ERR_" + n.split("_ERR_", 1)[1]
        assert getattr(error, short) == getattr(lib, n), short
    # A few pinned to the numbers of the spec, independent of the cdef.
    assert (error.ERR_HA_CONNECT, error.ERR_HA_CLOSED, error.ERR_HA_BADTOKEN,
            error.ERR_HA_NOTICK, error.ERR_HA_BADVSN, error.ERR_HA_BADCONFIG,
            error.ERR_HA_ABORT, error.ERR_BADSTATE, error.ERR_EOF) == (25, 26, 28, 31, 52, 69, 71, 17, 45)
    assert (goha.OK, goha.ERR, goha.EOF) == (0, -1, -2)


def test_error_format_and_attributes() -> None:
    e = error.Error(error.ERR_HA_BADTOKEN, error.strerror(error.ERR_HA_BADTOKEN), "token mismatch")
    assert str(e) == f"{error.strerror(28)} (28): token mismatch"
    assert (e.confd_errno, e.confd_lasterr, e.errno) == (28, "token mismatch", None)
    assert isinstance(e, error.GohaError)
    assert issubclass(error.EOF, error.Error)
    assert error.strerror(9999).startswith("unknown")


def test_real_failure_raises_error_with_lasterr() -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        with pytest.raises(error.Error) as ei:
            ha.beprimary(s, "n1")
    e = ei.value
    assert e.confd_errno == error.ERR_PROTOUSAGE
    assert e.confd_strerror == error.strerror(error.ERR_PROTOUSAGE)
    assert "confd_ha_beprimary" in e.confd_lasterr
    assert str(e) == f"{e.confd_strerror} ({e.confd_errno}): {e.confd_lasterr}"


def test_os_error_carries_errno() -> None:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.close()
    with pytest.raises(error.Error) as ei:
        ha.benone(s)
    assert ei.value.confd_errno == error.ERR_OS
    assert ei.value.errno is not None


@pytest.mark.parametrize("init,typ,text", [
    ("n1", goha.C_BUF, "n1"),
    (b"\x01x", goha.C_BUF, "\x01x"),
    (True, goha.C_BOOL, "true"),
    (-5, goha.C_INT64, "-5"),
    (2.5, goha.C_DOUBLE, "2.5"),
    (ipaddress.IPv4Address("10.1.2.3"), goha.C_IPV4, "10.1.2.3"),
    (ipaddress.IPv6Address("fe80::1"), goha.C_IPV6, "fe80::1"),
])
def test_value_inference_and_text(init: object, typ: int, text: str) -> None:
    v = Value(init)
    assert v.confd_type() == typ
    assert str(v) == text
    assert Value._from_c(v._to_c()[0]) == v


@pytest.mark.parametrize("typ,good,bad_range", [
    (goha.C_INT8, -128, 128), (goha.C_INT16, 32767, -32769), (goha.C_INT32, -(2**31), 2**31),
    (goha.C_UINT8, 255, -1), (goha.C_UINT16, 65535, 65536), (goha.C_UINT32, 2**32 - 1, 2**32),
    (goha.C_UINT64, 2**64 - 1, 2**64), (goha.C_BIT32, 7, -1), (goha.C_ENUM_VALUE, -3, 2**31),
])
def test_value_integer_ranges(typ: int, good: int, bad_range: int) -> None:
    v = Value(good, typ)
    assert v.as_pyval() == good and str(v) in (str(good), hex(good))
    assert Value._from_c(v._to_c()[0]) == v
    with pytest.raises(ValueError):
        Value(bad_range, typ)
    with pytest.raises(TypeError):
        Value("1", typ)


def test_value_type_checks_and_equality() -> None:
    with pytest.raises(TypeError):
        Value(object())
    with pytest.raises(TypeError):
        Value(1, goha.C_BUF)
    with pytest.raises(ValueError):
        Value("a\0b", goha.C_STR)
    with pytest.raises(ValueError):
        Value("1", 999)
    with pytest.raises(ValueError):
        Value("not-an-ip", goha.C_IPV4)
    assert Value("x") == Value(b"x") and hash(Value("x")) == hash(Value(b"x"))
    assert Value("x") != Value("x", goha.C_STR)
    assert Value("x", goha.C_STR).as_pyval() == "x"
    assert str(Value("x", goha.C_STR)) == "x"
    assert "C_UINT16" in repr(Value(3, goha.C_UINT16))
    assert Value(Value(3, goha.C_UINT16)) == Value(3, goha.C_UINT16)


def test_value_to_c_layout() -> None:
    cv, _keep = Value("node-1")._to_c()
    assert cv.type == lib.C_BUF and cv.val.buf.size == 6
    assert bytes(ffi.buffer(cv.val.buf.ptr, 6)) == b"node-1"
    cv, _keep = Value(ipaddress.IPv4Address("1.2.3.4"))._to_c()
    assert bytes(ffi.buffer(ffi.addressof(cv.val.ip), 4)) == b"\x01\x02\x03\x04"
