"""Error text belongs to the call that failed (issue 10): each failing call
records its own message for the thread that made it, so two threads that
fail at once each read their own, and a call that fails on a dead handle
says so rather than repeating an earlier message."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
from goha import cmm, error, ha, votequorum
from goha._ffi import errmsg, ffi, lib


def _race(calls: list[Any], rounds: int = 200) -> list[str]:
    """Run each call in its own thread `rounds` times; return the problems."""
    problems: list[str] = []
    lock = threading.Lock()

    def run(call: Any) -> None:
        for i in range(rounds):
            msg = call(i)
            if msg:
                with lock:
                    problems.append(msg)
                return

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return problems


def test_votequorum_messages_per_thread(cluster: Any) -> None:
    with votequorum.Connection() as vq:
        def getinfo(i: int) -> str:
            node = 1000 + i
            try:
                vq.getinfo(node)
            except error.CsError as e:
                return "" if str(node) in e.message and "getinfo" in e.message else f"getinfo({node}): {e.message!r}"
            return f"getinfo({node}) succeeded"

        def setexpected(i: int) -> str:
            try:
                vq.setexpected(0)
            except error.CsError as e:
                return "" if "setexpected" in e.message else f"setexpected(0): {e.message!r}"
            return "setexpected(0) succeeded"

        assert _race([getinfo, setexpected]) == []


def test_cmm_messages_per_thread(cluster: Any) -> None:
    cmm.connect()
    try:
        def getinfo(i: int) -> str:
            node = 2000 + i
            try:
                cmm.member_getinfo(node)
            except error.CmmError as e:
                return "" if str(node) in e.message else f"member_getinfo({node}): {e.message!r}"
            return f"member_getinfo({node}) succeeded"

        def setqualif(i: int) -> str:
            try:
                cmm.member_setqualif(1, 12345)
            except error.CmmError as e:
                return "" if "setqualif" in e.message else f"member_setqualif: {e.message!r}"
            return "member_setqualif(1, 12345) succeeded"

        assert _race([getinfo, setqualif]) == []
    finally:
        cmm.disconnect()


def test_dead_handle_message(cluster: Any) -> None:
    vq = votequorum.Connection()
    with pytest.raises(error.CsError) as first:
        vq.getinfo(4242)
    assert "4242" in first.value.message
    handle = vq.handle
    vq.close()
    rc = lib.votequorum_getinfo(handle, 0, ffi.new("struct votequorum_info *"))
    assert rc == votequorum.CS_ERR_BAD_HANDLE
    msg = errmsg(handle)
    assert "bad handle" in msg and "4242" not in msg, msg


def test_token_with_nul_is_refused() -> None:
    with socket.socket(socket.AF_UNIX) as s:
        with pytest.raises(ValueError, match="NUL"):
            ha.connect(s, "a\0b", pstr="/nonexistent")
