"""goha.cmm against a real 3-node gohad cluster (node 1 is GOHA_IPC)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from goha import cmm
from goha._ffi import ffi, lib
from goha.error import CmmError
from helpers import Cluster, wait_until


def test_members_and_roles(cluster: Cluster) -> None:
    cmm.connect(2.0)
    assert cmm.node_getid() == 1
    members = cmm.member_getall()
    assert [m.nodeid for m in members] == [1, 2, 3]
    assert [m.name for m in members] == ["n1", "n2", "n3"]
    assert cmm.member_getcount() == 3
    master = wait_until(lambda: _try(cmm.master_getinfo), 10, "a master")
    assert master.is_master and not master.is_vicemaster and master.is_eligible
    vice = cmm.vicemaster_getinfo()
    assert vice.is_vicemaster and vice.nodeid != master.nodeid
    m2 = cmm.member_getinfo(2)
    assert m2.name == "n2" and m2.domainid == 7 and m2.incarnation_number >= 1
    assert m2.addr == "127.0.0.1" and m2.software_load_id  # the IP address, no port
    assert cmm.potential_getinfo(3).name == "n3"
    with pytest.raises(CmmError) as ei:
        cmm.potential_getinfo(99)
    assert ei.value.code == cmm.ESRCH and ei.value.name == "CMM_ESRCH"


def _try(fn: Any) -> Any:
    try:
        return fn()
    except CmmError:
        return None


def test_member_predicates_match_the_c_ones(cluster: Cluster) -> None:
    preds = ["ismaster", "isvicemaster", "isoutofcluster", "iseligible", "isfrozen",
             "isexcluded", "isdisqualified", "isqualified", "isdesynchronized"]
    for sflag in (0, 1, 2, 4, 0x400, 0x401, 0x402 | 0x800, 0x1000 | 0x400, 0x100 | 0x200, 0x1fff):
        m = cmm.Member(1, "x", "y", 0, sflag, 0, "")
        c = ffi.new("cmm_member_t *", {"sflag": sflag})
        for p in preds:
            py = getattr(m, "is_" + p[2:].replace("outofcluster", "out_of_cluster"))
            assert py == bool(getattr(lib, "cmm_member_" + p)(c)), (p, hex(sflag))


def test_argument_checks_and_strerror() -> None:
    with pytest.raises(TypeError):
        cmm.member_getinfo("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        cmm.member_getinfo(-1)
    with pytest.raises(TypeError):
        cmm.connect("1s")  # type: ignore[arg-type]
    with pytest.raises(CmmError) as ei:
        cmm.connect(-1)
    assert ei.value.code == cmm.EINVAL
    assert cmm.strerror(cmm.ESRCH) == "CMM_ESRCH"
    assert cmm.strerror(12345) == "CMM_EUNKNOWN"


def test_zero_timeout_is_the_default(cluster: Cluster) -> None:
    """cmm_connect({0, 0}) (what Honeycomb's tools pass) sets the default
    timeout, 5 s, not an error and not the previous timeout."""
    cmm.connect(0.2)
    cmm.connect(0)
    assert cmm.node_getid() == 1
    cluster.pause_node(1)
    t0 = time.monotonic()
    try:
        with pytest.raises(CmmError) as ei:
            cmm.node_getid()
    finally:
        took = time.monotonic() - t0
        cluster.resume_node(1)
    assert ei.value.code == cmm.ETIMEDOUT
    assert 4.5 <= took < 9, took
    wait_until(lambda: _try(cmm.node_getid) == 1, 10, "the daemon answers again")


def test_no_daemon() -> None:
    with pytest.raises(CmmError) as ei:
        cmm.node_getid()
    assert ei.value.code == cmm.ECONN


def test_notifications_member_left_and_callback(cluster: Cluster) -> None:
    seen: list[cmm.Change] = []
    with cmm.Notifications(callback=seen.append) as n:
        with pytest.raises(CmmError) as ei:
            cmm.Notifications()
        assert ei.value.code == cmm.EEXIST
        assert n.dispatch() is False  # nothing pending yet
        cluster.kill_node(3)

        def left() -> bool:
            return any(c.cmchange == cmm.MEMBER_LEFT and c.nodeid == 3 for c in n.events(timeout=0.2))

        wait_until(left, 15, "MEMBER_LEFT for node 3")
        assert any(c.name == "MEMBER_LEFT" for c in seen)
        assert [m.nodeid for m in cmm.member_getall()] == [1, 2]
    # Closed: a new registration is possible again, and closing twice is fine.
    n.close()
    with cmm.Notifications() as n2:
        assert n2.fileno() >= 0


def test_filter_and_callback_exception(cluster: Cluster) -> None:
    def boom(change: cmm.Change) -> None:
        raise ValueError(f"bad change {change.name}")

    with cmm.Notifications(callback=boom) as n:
        n.filter(cmm.CMC_NOTIFY_SET, [cmm.MEMBER_JOINED])
        with pytest.raises(CmmError) as ei:
            n.filter(cmm.CMC_NOTIFY_ADD, [7])
        assert ei.value.code == cmm.EINVAL
        cluster.kill_node(3)
        cluster.wait_view(1, [1, 2])
        # MEMBER_LEFT is filtered out: draining must not reach the callback.
        wait_until(lambda: n.dispatch() is False, 5, "the queue to drain without a callback")
        cluster.start_node(3)

        def raised() -> bool:
            try:
                n.dispatch()
            except ValueError as e:
                assert "MEMBER_JOINED" in str(e)
                return True
            return False

        wait_until(raised, 15, "the callback's exception to come out of dispatch")
        n.filter(cmm.CMC_NOTIFY_NONE)
        cluster.kill_node(2)
        cluster.wait_view(1, [1, 3])
        wait_until(lambda: n.dispatch() is False, 5, "NONE to filter every change")


def test_many_threads(cluster: Cluster) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                assert cmm.node_getid() == 1
                ids = [m.nodeid for m in cmm.member_getall()]
                assert 1 in ids and set(ids) <= {1, 2, 3} and ids == sorted(ids)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not errors, errors[:3]
