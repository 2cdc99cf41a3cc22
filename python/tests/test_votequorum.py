"""goha.votequorum against a real 3-node gohad cluster (node 1 is GOHA_IPC)."""

from __future__ import annotations

import selectors
import threading
from typing import Any

import pytest
from goha import votequorum as vq
from goha._ffi import lib
from goha.error import CsError
from helpers import Cluster, wait_until


def test_getinfo(cluster: Cluster) -> None:
    with vq.Connection() as c:
        info = c.getinfo()
        assert info.node_id == 1 and info.node_state == vq.NODESTATE_MEMBER
        assert (info.total_votes, info.quorum, info.highest_expected) == (3, 2, 3)
        assert info.quorate and info.flags & vq.INFO_QUORATE
        assert c.getinfo(3).node_id == 3
        with pytest.raises(CsError) as ei:
            c.getinfo(999)
        assert ei.value.code == vq.CS_ERR_NOT_EXIST and ei.value.name == "CS_ERR_NOT_EXIST"
        assert "999" in ei.value.message


def test_argument_checks(cluster: Cluster) -> None:
    with vq.Connection() as c:
        with pytest.raises(TypeError):
            c.getinfo("1")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            c.getinfo(-1)
        with pytest.raises(ValueError):
            c.setvotes(1, 2**32)
        with pytest.raises(TypeError):
            c.qdevice_register(b"dev")  # type: ignore[arg-type]
        with pytest.raises(CsError) as ei:
            c.dispatch(99)
        assert ei.value.code == vq.CS_ERR_INVALID_PARAM
        with pytest.raises(CsError) as ei:
            c.trackstart(0x80)
        assert ei.value.code == vq.CS_ERR_INVALID_PARAM


def test_close_is_idempotent_and_final(cluster: Cluster) -> None:
    c = vq.Connection()
    h = c.handle
    c.close()
    c.close()
    assert c.closed
    with pytest.raises(CsError) as ei:
        c.getinfo()
    assert ei.value.code == vq.CS_ERR_BAD_HANDLE
    assert lib.votequorum_finalize(h) == lib.CS_ERR_BAD_HANDLE
    before = lib.goha_handles_open()
    c2 = vq.Connection()
    assert lib.goha_handles_open() == before + 1
    del c2  # __del__ finalizes a forgotten connection
    wait_until(lambda: lib.goha_handles_open() == before, 5, "the handle to be finalized")


def test_no_daemon_raises_library_error(tmp_path: Any) -> None:
    # Nothing listens on GOHA_IPC (no cluster fixture here).
    with pytest.raises(CsError) as ei:
        vq.Connection()
    assert ei.value.code == vq.CS_ERR_LIBRARY and "connect" in ei.value.message


def test_trackstart_current_events_with_context(cluster: Cluster) -> None:
    seen: list[Any] = []
    with vq.Connection(quorum=seen.append, nodelist=seen.append) as c:
        c.trackstart(vq.CS_TRACK_CURRENT | vq.CS_TRACK_CHANGES, context=77)
        evs = list(c.events(timeout=0.3))
    kinds = [type(e).__name__ for e in evs]
    assert kinds[:2] == ["NodelistEvent", "QuorumEvent"], kinds
    nl, q = evs[0], evs[1]
    assert nl.context == 77 and nl.members == (1, 2, 3) and nl.ring_id.seq >= 1
    assert q.quorate and {n.nodeid for n in q.nodes} == {1, 2, 3}
    assert seen[:2] == evs[:2]  # the callbacks saw the same events


def _lose_node_3(c: vq.Connection, cluster: Cluster) -> vq.Info:
    cluster.kill_node(3)

    def two_members() -> bool:
        for e in c.events(timeout=0.2):
            if isinstance(e, vq.NodelistEvent) and e.members == (1, 2):
                return True
        return False

    wait_until(two_members, 15, "a NODELIST event without node 3")
    return c.getinfo()


def test_events_follow_membership_and_votes(cluster: Cluster) -> None:
    with vq.Connection() as c:
        c.trackstart(vq.CS_TRACK_CHANGES_ONLY, context=5)
        info = _lose_node_3(c, cluster)
        assert info.quorate and info.total_votes == 2 and info.quorum == 2, info
        with pytest.raises(CsError) as ei:
            c.setexpected(1)  # below the votes present
        assert ei.value.code == vq.CS_ERR_INVALID_PARAM
        c.setvotes(2, 2)
        assert c.getinfo(2).node_votes == 2
        c.trackstop()
        with pytest.raises(CsError) as ei:
            c.trackstop()
        assert ei.value.code == vq.CS_ERR_NOT_EXIST


def test_setexpected_is_cluster_wide(cluster: Cluster) -> None:
    with vq.Connection() as c:
        c.trackstart(vq.CS_TRACK_CHANGES_ONLY, context=5)
        c.setexpected(4)
        ev = next(e for e in c.events(timeout=10) if isinstance(e, vq.ExpectedEvent))
        assert ev.expected_votes == 4 and ev.context == 5
        assert c.getinfo().highest_expected == 4
        assert c.getinfo().quorum == 3
        c.setexpected(3)
        wait_until(lambda: all(c.getinfo(i).node_expected_votes == 3 for i in (1, 2, 3)), 10,
                   "expected votes 3 on every node")
        assert c.getinfo().quorum == 2


def test_setexpected_then_node_loss(cluster: Cluster) -> None:
    with vq.Connection() as c:
        c.trackstart(vq.CS_TRACK_CHANGES_ONLY)
        c.setexpected(4)
        c.setexpected(3)
        wait_until(lambda: all(c.getinfo(i).node_expected_votes == 3 for i in (1, 2, 3)), 10,
                   "expected votes 3 on every node")
        info = _lose_node_3(c, cluster)
        assert info.quorate and info.total_votes == 2 and info.quorum == 2, info


def test_callback_exception_is_reraised_by_dispatch(cluster: Cluster) -> None:
    calls: list[Any] = []

    def boom(ev: Any) -> None:
        calls.append(ev)
        raise RuntimeError("callback failed")

    with vq.Connection(quorum=boom) as c:
        c.trackstart(vq.CS_TRACK_CURRENT)
        sel = selectors.DefaultSelector()
        sel.register(c, selectors.EVENT_READ)  # fileno() makes it selectable
        assert sel.select(10), "no event became readable"
        with pytest.raises(RuntimeError, match="callback failed"):
            c.dispatch(vq.CS_DISPATCH_ALL)
        assert len(calls) == 1
        # The connection is still usable and nothing is left over.
        assert c.dispatch(vq.CS_DISPATCH_ONE_NONBLOCKING) is False
        assert c.getinfo().quorate
        sel.close()


def test_callback_may_close_its_connection(cluster: Cluster) -> None:
    got: list[Any] = []

    def close_me(ev: Any) -> None:
        got.append(ev)
        c.close()

    c = vq.Connection(nodelist=close_me)
    c.trackstart(vq.CS_TRACK_CURRENT)
    wait_until(lambda: c.dispatch(vq.CS_DISPATCH_ALL) and got, 10, "the NODELIST callback")
    assert c.closed and len(got) == 1
    with pytest.raises(CsError):
        c.getinfo()


def test_dispatch_blocking_returns_on_close(cluster: Cluster) -> None:
    c = vq.Connection()
    got: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            c.dispatch(vq.CS_DISPATCH_BLOCKING)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    c._on_quorum = got.append
    c.trackstart(vq.CS_TRACK_CURRENT | vq.CS_TRACK_CHANGES)
    t = threading.Thread(target=run)
    t.start()
    wait_until(lambda: got, 10, "the blocking dispatch to deliver QUORUM")
    c.close()
    t.join(10)
    assert not t.is_alive() and not errors, errors


def test_qdevice(cluster: Cluster) -> None:
    with vq.Connection() as c:
        c.trackstart(vq.CS_TRACK_CURRENT)
        ring = next(e for e in c.events(timeout=5) if isinstance(e, vq.NodelistEvent)).ring_id
        c.qdevice_register("pydev")
        assert c.getinfo().flags & vq.INFO_QDEVICE_REGISTERED
        with pytest.raises(CsError) as ei:
            c.qdevice_register("other")
        assert ei.value.code == vq.CS_ERR_EXIST
        c.qdevice_poll("pydev", True, ring)
        assert c.getinfo().flags & vq.INFO_QDEVICE_ALIVE
        with pytest.raises(CsError) as ei:
            c.qdevice_poll("pydev", True, vq.RingId(ring.nodeid, ring.seq + 100))
        assert ei.value.code == vq.CS_ERR_MESSAGE_ERROR
        c.qdevice_master_wins("pydev", True)
        c.qdevice_update("pydev", "pydev2")
        c.qdevice_unregister("pydev2")
        assert not c.getinfo().flags & vq.INFO_QDEVICE_REGISTERED
        with pytest.raises(CsError) as ei:
            c.qdevice_unregister("pydev2")
        assert ei.value.code == vq.CS_ERR_NOT_EXIST


def test_many_threads_share_one_connection(cluster: Cluster) -> None:
    errors: list[BaseException] = []
    with vq.Connection() as c:
        def work() -> None:
            try:
                for i in range(30):
                    assert c.getinfo(1 + i % 3).node_id == 1 + i % 3
            except BaseException as e:  # noqa: BLE001
                errors.append(e)
        ts = [threading.Thread(target=work) for _ in range(6)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
    assert not errors, errors[:3]
