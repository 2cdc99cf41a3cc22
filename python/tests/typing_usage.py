"""A program that uses every module of the goha package the way its docs
show, for ``mypy --strict`` (test_typing.py).  It is type-checked, never
run: each use is inside a function nobody calls."""

from __future__ import annotations

import ipaddress
import socket

import goha
from goha import cdb, cmm, error, events, ha, votequorum
from goha.value import PyVal, Value


def use_package() -> str:
    v: Value = Value(42, goha.C_UINT16)
    n: PyVal = v.as_pyval()
    return f"{goha.__version__} {goha.version()} {goha.library_path()} {n!r} {v.confd_type_str()} {goha.TYPE_NAMES[goha.C_BUF]}"


def use_votequorum() -> int:
    with votequorum.Connection() as vq:
        info: votequorum.Info = vq.getinfo()
        vq.trackstart(votequorum.CS_TRACK_CHANGES)
        for ev in vq.events(timeout=0.1):
            if isinstance(ev, votequorum.QuorumEvent):
                return len(ev.nodes)
        return info.quorum if info.quorate else 0


def use_cmm() -> list[str]:
    cmm.connect(timeout=2.0)
    try:
        me: int = cmm.node_getid()
        master: cmm.Member = cmm.master_getinfo()
        names = [m.name for m in cmm.member_getall() if m.is_qualified]
        return names + [str(me), master.name]
    finally:
        cmm.disconnect()


def use_ha(path: str) -> tuple[int, list[dict[str, str]]]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            ha.connect(s, "token", pstr=path)
            ha.beprimary(s, "n1")
        except error.Error as e:
            if e.confd_errno == error.ERR_HA_BIND:
                raise
        return ha.status(s)


def use_events(path: str) -> dict[str, object]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        events.notifications_connect(s, events.NOTIF_HA_INFO, path=path)
        return events.read_notification(s)


def use_cdb(path: str) -> int:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        cdb.connect(s, path=path)
        cdb.set(s, "/py/count", 42)
        cdb.set(s, "/py/addr", ipaddress.IPv4Address("10.0.0.1"))
        count = cdb.get(s, "/py/count")
        text: str = cdb.get_text(s, "/py/count")
        value: Value = cdb.get_value(s, "/py/count")
        everything: dict[str, PyVal] = cdb.dump(s, "/py/")
        cdb.delete(s, "/py/count")
        assert isinstance(count, int) and text and value and everything is not None
        return count


def use_confd_cdb(path: str) -> bool:
    from goha import confd_cdb

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        confd_cdb.connect(s, confd_cdb.DATA_SOCKET, path=path)
        confd_cdb.start_session(s, confd_cdb.RUNNING)
        v: Value = confd_cdb.get(s, "/py/count")
        there: bool = confd_cdb.exists(s, "/py/count")
        confd_cdb.end_session(s)
        return there and v.as_pyval() is not None


def use_cdb_watch() -> int:
    last = 0
    for ev in cdb.watch("/py/", timeout=1.0):
        last = ev.txid
        for ch in ev.changes:
            assert ch is not None
    return last


def use_nso_names() -> list[object]:
    # _ncs and _confd fill their namespaces at import (goha/_nso.py), so
    # mypy checks the modules and their import, not their attributes.
    import _confd
    import _ncs

    return [_ncs, _confd]
