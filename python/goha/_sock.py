"""Argument helpers shared by goha.ha, goha.events and goha.cdb: socket
objects to fds, addresses to ``struct sockaddr``, node ids to
``confd_value_t`` -- with the checks and messages of NSO's ``_ncs``."""

from __future__ import annotations

import socket
import struct
from typing import Any

from ._ffi import ffi, lib
from .value import Value

_AF_UNIX_PATH_MAX = 108


def fd_of(sock: Any, name: str = "sock") -> int:
    """sock.fileno(), or TypeError if sock has no fileno()."""
    fileno = getattr(sock, "fileno", None)
    if fileno is None or not callable(fileno):
        raise TypeError(f"{name} argument must be a socket (an object with fileno()), "
                        f"not {type(sock).__name__}")
    fd = fileno()
    if not isinstance(fd, int):
        raise TypeError(f"{name}.fileno() must return an int")
    return fd


def check_str(fn: str, pos: int, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{fn}() argument {pos} must be str, not {type(value).__name__}")
    return value


def check_int(fn: str, pos: int, value: Any) -> int:
    if not isinstance(value, int):
        raise TypeError(f"{fn}() argument {pos} must be int, not {type(value).__name__}")
    return int(value)


def sockaddr(fn: str, sock: Any, ip: Any, port: Any, path: Any,
             path_name: str = "path") -> tuple[Any, int, Any]:
    """A ``struct sockaddr *``, its size and the buffer to keep alive, for
    connecting `sock` as _ncs does: AF_UNIX needs `path`; AF_INET and
    AF_INET6 need `ip` and `port`."""
    family = getattr(sock, "family", None)
    if family is None:
        raise TypeError(f"{fn}() needs a socket object with a family attribute")
    family = int(family)
    if family == socket.AF_UNIX:
        if path is None:
            raise TypeError("path argument must be provided for an AF_UNIX socket")
        if not isinstance(path, str):
            raise TypeError(f"{path_name} argument must be str, not {type(path).__name__}")
        raw_path = path.encode()
        if not raw_path or b"\0" in raw_path or len(raw_path) >= _AF_UNIX_PATH_MAX:
            raise ValueError(f"invalid AF_UNIX path: {path!r}")
        raw = struct.pack("=H", socket.AF_UNIX) + raw_path + b"\0"
    elif family in (socket.AF_INET, socket.AF_INET6):
        fam_name = "AF_INET" if family == socket.AF_INET else "AF_INET6"
        if ip is None or port is None:
            raise TypeError(f"ip and port arguments must be provided for an {fam_name} socket")
        if not isinstance(ip, str):
            raise TypeError(f"ip argument must be str, not {type(ip).__name__}")
        if isinstance(port, bool) or not isinstance(port, int):
            raise TypeError(f"port argument must be int, not {type(port).__name__}")
        if not 0 <= port <= 65535:
            raise ValueError(f"invalid port: {port}")
        try:
            packed = socket.inet_pton(family, ip)
        except (OSError, ValueError):
            raise ValueError(f"invalid IP address: {ip}") from None
        if family == socket.AF_INET:
            raw = struct.pack("=H", family) + struct.pack("!H", port) + packed + bytes(8)
        else:
            raw = (struct.pack("=H", family) + struct.pack("!H", port) + bytes(4)
                   + packed + bytes(4))
    else:
        raise TypeError(f"unsupported socket family: {family}")
    buf = ffi.new("char[]", raw)
    return ffi.cast("struct sockaddr *", buf), len(raw), buf


def nodeid(name: str, value: Any, into: Any = None) -> tuple[Any, list[Any]]:
    """A confd_value_t for a node id given as str (C_BUF) or goha.Value."""
    if isinstance(value, str):
        value = Value(value, lib.C_BUF)
    elif not isinstance(value, Value):
        raise TypeError(f"{name} argument must be a goha.Value or a string")
    cv, keep = value._to_c(into)
    return cv, keep


def node_text(nodeid_cv: Any) -> str:
    """The text of a node id the library filled in (C_BUF or C_STR)."""
    return str(Value._from_c(nodeid_cv).as_pyval())


def node_address(node: Any) -> str:
    """The address of a struct confd_ha_node as text, by its af."""
    if node.af == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, bytes(ffi.buffer(ffi.addressof(node.addr.ip4), 4)))
    if node.af == socket.AF_INET6:
        return socket.inet_ntop(socket.AF_INET6, bytes(ffi.buffer(ffi.addressof(node.addr.ip6), 16)))
    if node.addr.str != ffi.NULL:
        return str(ffi.string(node.addr.str).decode("utf-8", "replace"))
    return ""
