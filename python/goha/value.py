"""goha.Value: a typed value, the Python face of ``confd_value_t``.

Modelled on NSO's ``_ncs.Value`` for the types goha uses (node ids, config
store values).  ``Value(init)`` infers the type: ``str`` and ``bytes`` ->
``C_BUF`` (as ``_ncs`` does for strings), ``bool`` -> ``C_BOOL``, ``int`` ->
``C_INT64``, ``float`` -> ``C_DOUBLE``, ``ipaddress.IPv4Address`` ->
``C_IPV4``, ``IPv6Address`` -> ``C_IPV6``.  ``Value(init, goha.C_UINT16)``
forces a type; the initialiser is checked against it (TypeError for the
wrong kind, ValueError for out of range).

``str(v)`` is the library's text (``confd_pp_value``), ``v.as_pyval()`` the
Python value, ``v.confd_type()`` the ``C_*`` number.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Union

from ._ffi import ffi, lib

__all__ = ["Value", "XmlTag", "TYPE_NAMES", "PyVal"]

_INT_RANGES = {
    lib.C_INT8: ("i8", -(2**7), 2**7 - 1),
    lib.C_INT16: ("i16", -(2**15), 2**15 - 1),
    lib.C_INT32: ("i32", -(2**31), 2**31 - 1),
    lib.C_INT64: ("i64", -(2**63), 2**63 - 1),
    lib.C_UINT8: ("u8", 0, 2**8 - 1),
    lib.C_UINT16: ("u16", 0, 2**16 - 1),
    lib.C_UINT32: ("u32", 0, 2**32 - 1),
    lib.C_UINT64: ("u64", 0, 2**64 - 1),
    lib.C_ENUM_VALUE: ("enumvalue", -(2**31), 2**31 - 1),
    lib.C_BIT32: ("b32", 0, 2**32 - 1),
    lib.C_BIT64: ("b64", 0, 2**64 - 1),
}
_BYTES_TYPES = (lib.C_BUF, lib.C_BINARY, lib.C_STR)

#: C_* number -> name, for the types Value supports.
TYPE_NAMES: dict[int, str] = {
    getattr(lib, n): n
    for n in (
        "C_NOEXISTS", "C_STR", "C_BUF", "C_BINARY", "C_INT8", "C_INT16", "C_INT32",
        "C_INT64", "C_UINT8", "C_UINT16", "C_UINT32", "C_UINT64", "C_DOUBLE",
        "C_BOOL", "C_IPV4", "C_IPV6", "C_ENUM_VALUE", "C_BIT32", "C_BIT64",
        "C_XMLTAG",
    )
}


class XmlTag:
    """struct xml_tag: a tag hash and its namespace hash (``_ncs.XmlTag``).
    goha's tags are computed from names (include/confd_cdb.h); str() gives
    the name when libgoha made the tag, as confd_hash2str does."""

    __slots__ = ("ns", "tag")

    def __init__(self, ns: int, tag: int) -> None:
        for what, v in (("ns", ns), ("tag", tag)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**32:
                raise TypeError(f"XmlTag {what} must be an int in [0, 2**32)")
        self.ns, self.tag = int(ns), int(tag)

    def __str__(self) -> str:
        name = lib.confd_hash2str(self.tag) if self.ns == 0 else ffi.NULL
        if name != ffi.NULL:
            return str(ffi.string(name).decode("utf-8", "replace"))
        return f"{self.ns}:{self.tag}" if self.ns else str(self.tag)

    def __repr__(self) -> str:
        return f"<goha.XmlTag ns={self.ns} tag={self.tag} ({self})>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, XmlTag):
            return NotImplemented
        return (self.ns, self.tag) == (other.ns, other.tag)

    def __hash__(self) -> int:
        return hash((self.ns, self.tag))

PyVal = Union[None, str, bytes, int, float, bool, ipaddress.IPv4Address, ipaddress.IPv6Address,
              tuple[int, int]]


class Value:
    """A typed value (see the module docstring)."""

    __slots__ = ("_type", "_v")
    _type: int
    _v: Any

    def __init__(self, init: Any, type: int | None = None) -> None:  # noqa: A002
        if isinstance(init, Value):
            if type is None or type == init._type:
                self._type, self._v = init._type, init._v
                return
            init = init._v
        if type is None:
            type = _infer(init)
        if type not in TYPE_NAMES:
            raise ValueError(f"unsupported value type {type}")
        self._type = type
        self._v = _coerce(init, type)

    # -- accessors -------------------------------------------------------
    def confd_type(self) -> int:
        """The C_* type number."""
        return int(self._type)

    def confd_type_str(self) -> str:
        """The C_* type name, e.g. "C_BUF"."""
        return TYPE_NAMES[self._type]

    def as_xmltag(self) -> XmlTag:
        """The XmlTag of a C_XMLTAG value (TypeError for another type)."""
        if self._type != lib.C_XMLTAG:
            raise TypeError(f"not a C_XMLTAG value but {self.confd_type_str()}")
        return XmlTag(*self._v)

    def as_pyval(self) -> PyVal:
        """The value as a Python object (C_BUF/C_STR: str if valid UTF-8;
        C_XMLTAG: the (ns, tag) tuple)."""
        if self._type in (lib.C_BUF, lib.C_STR):
            try:
                return str(self._v.decode("utf-8"))
            except UnicodeDecodeError:
                return bytes(self._v)
        v: PyVal = self._v
        return v

    def __str__(self) -> str:
        cv, _keep = self._to_c()
        n = lib.confd_pp_value(ffi.NULL, 0, cv)
        if n < 0:
            return repr(self._v)
        buf = ffi.new("char[]", n + 1)
        lib.confd_pp_value(buf, n + 1, cv)
        return str(ffi.string(buf).decode("utf-8", "replace"))

    def __repr__(self) -> str:
        return f"<goha.Value type={self.confd_type_str()}({self._type}) value={str(self)!r}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Value):
            return NotImplemented
        return bool(self._type == other._type and self._v == other._v)

    def __hash__(self) -> int:
        return hash((self._type, self._v))

    # -- C conversion ----------------------------------------------------
    def _to_c(self, into: Any = None) -> tuple[Any, list[Any]]:
        """A confd_value_t* for this value (or fill `into`), and the objects
        that must stay alive while C uses it."""
        cv = into if into is not None else ffi.new("confd_value_t *")
        keep: list[Any] = [cv]
        t = self._type
        cv.type = t
        if t in (lib.C_BUF, lib.C_BINARY):
            data = ffi.new("unsigned char[]", self._v or b"\0")
            keep.append(data)
            cv.val.buf.size = len(self._v)
            cv.val.buf.ptr = data
        elif t == lib.C_STR:
            data = ffi.new("char[]", self._v)
            keep.append(data)
            cv.val.s = data
        elif t in _INT_RANGES:
            setattr(cv.val, _INT_RANGES[t][0], self._v)
        elif t == lib.C_DOUBLE:
            cv.val.d = self._v
        elif t == lib.C_BOOL:
            cv.val.boolean = 1 if self._v else 0
        elif t == lib.C_IPV4:
            ffi.memmove(ffi.addressof(cv.val.ip), self._v.packed, 4)
        elif t == lib.C_IPV6:
            ffi.memmove(ffi.addressof(cv.val.ip6), self._v.packed, 16)
        elif t == lib.C_XMLTAG:
            cv.val.xmltag.ns, cv.val.xmltag.tag = self._v
        return cv, keep

    @classmethod
    def _from_c(cls, cv: Any) -> "Value":
        """Copy a confd_value_t (pointer or struct) into a new Value."""
        t = cv.type
        v = object.__new__(cls)
        v._type = t
        if t in (lib.C_BUF, lib.C_BINARY):
            v._v = bytes(ffi.buffer(cv.val.buf.ptr, cv.val.buf.size)) if cv.val.buf.size else b""
        elif t == lib.C_STR:
            v._v = ffi.string(cv.val.s) if cv.val.s != ffi.NULL else b""
        elif t in _INT_RANGES:
            v._v = int(getattr(cv.val, _INT_RANGES[t][0]))
        elif t == lib.C_DOUBLE:
            v._v = float(cv.val.d)
        elif t == lib.C_BOOL:
            v._v = bool(cv.val.boolean)
        elif t == lib.C_IPV4:
            v._v = ipaddress.IPv4Address(bytes(ffi.buffer(ffi.addressof(cv.val.ip), 4)))
        elif t == lib.C_IPV6:
            v._v = ipaddress.IPv6Address(bytes(ffi.buffer(ffi.addressof(cv.val.ip6), 16)))
        elif t == lib.C_XMLTAG:
            v._v = (int(cv.val.xmltag.ns), int(cv.val.xmltag.tag))
        elif t == lib.C_NOEXISTS:
            v._v = None
        else:
            raise ValueError(f"unsupported value type {t}")
        return v


def _infer(init: Any) -> int:
    if isinstance(init, (str, bytes, bytearray)):
        return int(lib.C_BUF)
    if isinstance(init, bool):
        return int(lib.C_BOOL)
    if isinstance(init, int):
        return int(lib.C_INT64)
    if isinstance(init, float):
        return int(lib.C_DOUBLE)
    if isinstance(init, ipaddress.IPv4Address):
        return int(lib.C_IPV4)
    if isinstance(init, ipaddress.IPv6Address):
        return int(lib.C_IPV6)
    if init is None:
        return int(lib.C_NOEXISTS)
    raise TypeError(f"cannot make a goha.Value of a {type(init).__name__}")


def _coerce(init: Any, t: int) -> Any:
    name = TYPE_NAMES[t]
    if t in _BYTES_TYPES:
        if isinstance(init, str):
            init = init.encode("utf-8")
        if not isinstance(init, (bytes, bytearray)):
            raise TypeError(f"{name} needs str or bytes, not {type(init).__name__}")
        if t == lib.C_STR and b"\0" in init:
            raise ValueError("C_STR text cannot contain NUL")
        return bytes(init)
    if t in _INT_RANGES:
        if isinstance(init, bool) or not isinstance(init, int):
            raise TypeError(f"{name} needs an int, not {type(init).__name__}")
        _, lo, hi = _INT_RANGES[t]
        if not lo <= init <= hi:
            raise ValueError(f"{init} is out of range for {name} [{lo}, {hi}]")
        return init
    if t == lib.C_DOUBLE:
        if isinstance(init, bool) or not isinstance(init, (int, float)):
            raise TypeError(f"C_DOUBLE needs a float, not {type(init).__name__}")
        return float(init)
    if t == lib.C_BOOL:
        if not isinstance(init, (bool, int)):
            raise TypeError(f"C_BOOL needs a bool, not {type(init).__name__}")
        return bool(init)
    if t == lib.C_IPV4:
        if isinstance(init, str):
            return ipaddress.IPv4Address(init)
        if isinstance(init, ipaddress.IPv4Address):
            return init
        raise TypeError(f"C_IPV4 needs an IPv4Address or str, not {type(init).__name__}")
    if t == lib.C_IPV6:
        if isinstance(init, str):
            return ipaddress.IPv6Address(init)
        if isinstance(init, ipaddress.IPv6Address):
            return init
        raise TypeError(f"C_IPV6 needs an IPv6Address or str, not {type(init).__name__}")
    if t == lib.C_NOEXISTS:
        return None  # the initialiser is ignored, as _ncs does (Value(init=1, type=C_NOEXISTS))
    if t == lib.C_XMLTAG:
        if isinstance(init, XmlTag):
            return (init.ns, init.tag)
        if (not isinstance(init, tuple) or len(init) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 2**32 for x in init)):
            raise TypeError("C_XMLTAG needs an (ns, tag) tuple of ints")
        return (int(init[0]), int(init[1]))
    raise ValueError(f"unsupported value type {t}")


