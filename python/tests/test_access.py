"""The control endpoint's access secret (ipc_access_file) from Python.

With GOHA_IPC_ACCESS_FILE naming the file, every module proves the secret
(the library reads the variable from the environment as it is at connect
time); without it, or with another secret, each API family reports its
access error: CS_ERR_ACCESS, CMM_EPERM, CONFD_ERR_ACCESS_DENIED."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest
from goha import cdb, cmm, error, ha, votequorum
from helpers import HA_TOKEN, free_ports


def test_access_file(make_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "ipc.secret"
    secret.write_bytes(os.urandom(32))
    secret.chmod(0o600)
    wrong = tmp_path / "wrong.secret"
    wrong.write_bytes(os.urandom(32))
    (port,) = free_ports(1)
    monkeypatch.setenv("GOHA_IPC_ACCESS_FILE", str(secret))  # the helpers' gohactl too
    make_cluster(1, name="acc", ipc_access_file=f'"{secret}"', node__1__ipc=f'"127.0.0.1:{port}"')
    monkeypatch.setenv("GOHA_IPC", f"127.0.0.1:{port}")

    with votequorum.Connection() as vq:
        assert vq.getinfo().node_id == 1
    cmm.connect()
    cmm.disconnect()
    with socket.socket() as hs, socket.socket() as cs:
        ha.connect(hs, HA_TOKEN, "127.0.0.1", port)
        assert ha.status(hs)[0] == ha.STATE_NONE
        cdb.connect(cs, "127.0.0.1", port)
        cdb.set(cs, "/access/ok", "yes")

    for env in (None, str(wrong)):
        if env is None:
            monkeypatch.delenv("GOHA_IPC_ACCESS_FILE")
        else:
            monkeypatch.setenv("GOHA_IPC_ACCESS_FILE", env)
        with pytest.raises(error.CsError) as vq_err:
            votequorum.Connection()
        assert vq_err.value.code == votequorum.CS_ERR_ACCESS, vq_err.value
        with pytest.raises(error.CmmError) as cmm_err:
            cmm.connect()
        assert cmm_err.value.code == cmm.EPERM, cmm_err.value
        with socket.socket() as hs:
            with pytest.raises(error.Error) as ha_err:
                ha.connect(hs, HA_TOKEN, "127.0.0.1", port)
            assert ha_err.value.confd_errno == error.ERR_ACCESS_DENIED, ha_err.value
            assert "GOHA_IPC_ACCESS_FILE" in ha_err.value.confd_lasterr or "secret" in ha_err.value.confd_lasterr
