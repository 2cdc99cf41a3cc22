"""Test helpers: a real gohad cluster on loopback (a Python port of
ctests/lib/cluster.sh) and deadline-based waiting."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[2]
GOHAD = Path(os.environ.get("GOHAD", ROOT / "build" / "bin" / "gohad"))
GOHACTL = Path(os.environ.get("GOHACTL", ROOT / "build" / "bin" / "gohactl"))
HA_TOKEN = "pytest-ha-token-0123456789"
WAIT_S = 20.0


def wait_until(pred: Callable[[], Any], timeout: float = WAIT_S, what: str = "condition",
               interval: float = 0.02) -> Any:
    """Poll pred() until it returns a true value (returned) or the deadline
    passes (AssertionError naming `what`)."""
    deadline = time.monotonic() + timeout
    last_exc: Optional[BaseException] = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - remembered for the message
            last_exc = e
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                                 + (f" (last error: {last_exc!r})" if last_exc else ""))
        time.sleep(interval)


def free_ports(n: int) -> list[int]:
    """n distinct loopback ports free for both TCP and UDP (held while picking)."""
    out: list[int] = []
    keep: list[socket.socket] = []
    try:
        while len(out) < n:
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.bind(("127.0.0.1", 0))
            p = t.getsockname()[1]
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.bind(("127.0.0.1", p))
            except OSError:
                t.close()
                u.close()
                continue
            keep += [t, u]
            out.append(p)
    finally:
        for s in keep:
            s.close()
    return out


class Cluster:
    """N gohad nodes n1..nN in `directory`, control sockets
    `directory`/nodeI.sock, HA token HA_TOKEN."""

    def __init__(self, directory: Path, n: int, extra: Optional[dict[str, str]] = None) -> None:
        self.dir = Path(directory)
        self.n = n
        self.extra = dict(extra or {})
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.ha_ports: dict[int, int] = {}

    # -- paths -----------------------------------------------------------
    def sock(self, i: int) -> str:
        return str(self.dir / f"node{i}.sock")

    def ipc(self, i: int) -> str:
        """Node i's control endpoint: the config's ipc (unix:.../nodeI.sock
        unless overridden with node.I.ipc)."""
        over = self.extra.get(f"node.{i}.ipc")
        return over.strip('"') if over else "unix:" + self.sock(i)

    def name(self, i: int) -> str:
        return f"n{i}"

    # -- config ----------------------------------------------------------
    def write_config(self) -> None:
        ports = free_ports(2 * self.n)
        top = {"cluster_name": '"pytest"', "domain_id": "7",
               "authkey": '"pytest-secret-0123456789abcdef0123"'}
        tables: dict[str, dict[str, str]] = {
            # Fast failure detection, yet a view survives a few hundred ms
            # of CPU starvation on a loaded 2-core machine.
            "timing": {"heartbeat": '"50ms"', "failure_timeout": '"1s"'},
            "quorum": {},
            "ha": {"token": f'"{HA_TOKEN}"', "tick_timeout": '"300ms"'},
        }
        nodes = []
        for i in range(1, self.n + 1):
            self.ha_ports[i] = ports[2 * (i - 1) + 1]
            nodes.append({"id": str(i), "name": f'"n{i}"',
                          "addr": f'"127.0.0.1:{ports[2 * (i - 1)]}"',
                          "ha_addr": f'"127.0.0.1:{self.ha_ports[i]}"',
                          "ipc": f'"unix:{self.sock(i)}"'})
        for k, v in self.extra.items():
            parts = k.split(".")
            if parts[0] == "node":
                nodes[int(parts[1]) - 1][parts[2]] = v
            elif len(parts) == 2:
                tables.setdefault(parts[0], {})[parts[1]] = v
            else:
                top[k] = v
        lines = [f"{k} = {v}" for k, v in top.items()]
        for t, kv in tables.items():
            lines += ["", f"[{t}]"] + [f"{k} = {v}" for k, v in kv.items()]
        for nd in nodes:
            lines += ["", "[[node]]"] + [f"{k} = {v}" for k, v in nd.items()]
        # The file holds the authkey and token: gohad refuses it unless
        # only its owner may read it.
        path = self.dir / "cluster.toml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            os.fchmod(fd, 0o600)
            f.write("\n".join(lines) + "\n")

    # -- processes ---------------------------------------------------------
    def start(self) -> "Cluster":
        if not GOHAD.exists() or not GOHACTL.exists():
            raise RuntimeError(f"{GOHAD} or {GOHACTL} missing: run `make build` first")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.write_config()
        for i in range(1, self.n + 1):
            self.start_node(i)
        every = list(range(1, self.n + 1))
        for i in every:
            self.wait_view(i, every, quorate=True)
        return self

    def start_node(self, i: int) -> None:
        (self.dir / f"node{i}").mkdir(exist_ok=True)
        try:
            os.unlink(self.sock(i))
        except FileNotFoundError:
            pass
        log = open(self.dir / f"node{i}.log", "ab")
        self.procs[i] = subprocess.Popen(
            [str(GOHAD), "--config", str(self.dir / "cluster.toml"), "--node", f"n{i}",
             "--data", str(self.dir / f"node{i}")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        proc = self.procs[i]

        def answers() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"node {i} exited at start: {self.log_tail(i)}")
            return self.status(i) is not None

        wait_until(answers, what=f"node {i} to answer on {self.ipc(i)}")

    def log_tail(self, i: int, n: int = 5) -> str:
        try:
            return "\n".join((self.dir / f"node{i}.log").read_text().splitlines()[-n:])
        except OSError:
            return ""

    def _signal_wait(self, i: int, sig: int) -> None:
        p = self.procs.pop(i, None)
        if p is None or p.poll() is not None:
            return
        try:
            p.send_signal(signal.SIGCONT)
            p.send_signal(sig)
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)

    def stop_node(self, i: int) -> None:
        self._signal_wait(i, signal.SIGTERM)

    def kill_node(self, i: int) -> None:
        self._signal_wait(i, signal.SIGKILL)

    def pause_node(self, i: int) -> None:
        """SIGSTOP node i and wait until every thread of it is stopped: the
        kernel stops a multi-threaded process thread by thread as each gets
        a CPU, so a loaded daemon can still answer for a moment after the
        signal (as ctests/lib/cluster.sh's cluster_pause)."""
        proc = self.procs[i]
        proc.send_signal(signal.SIGSTOP)

        def stopped() -> bool:
            try:
                tasks = os.listdir(f"/proc/{proc.pid}/task")
            except FileNotFoundError:
                return True
            for t in tasks:
                try:
                    with open(f"/proc/{proc.pid}/task/{t}/stat") as f:
                        state = f.read().rsplit(")", 1)[1].split()[0]
                except (FileNotFoundError, IndexError):
                    continue
                if state not in ("T", "t"):
                    return False
            return True

        wait_until(stopped, 10, f"every thread of node {i} to stop", interval=0.002)

    def resume_node(self, i: int) -> None:
        self.procs[i].send_signal(signal.SIGCONT)

    def stop(self) -> None:
        for i in list(self.procs):
            self.stop_node(i)

    def wipe(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- observation ---------------------------------------------------------
    def gohactl(self, i: int, *args: str, timeout: float = 5.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(GOHACTL), "--ipc", self.ipc(i), "--timeout", "1s", *args],
                              capture_output=True, text=True, timeout=timeout)

    def status(self, i: int) -> Optional[dict[str, Any]]:
        r = self.gohactl(i, "--json", "status")
        # exit 2: printed, but not quorate (corosync-quorumtool's convention)
        if r.returncode not in (0, 2) or not r.stdout.strip():
            return None
        return json.loads(r.stdout)  # type: ignore[no-any-return]

    def wait_view(self, i: int, members: list[int], quorate: Optional[bool] = None,
                  timeout: float = WAIT_S) -> None:
        want = sorted(members)

        def ok() -> bool:
            s = self.status(i)
            if s is None or sorted(s["members"]) != want:
                return False
            return quorate is None or bool(s["quorate"]) == quorate

        wait_until(ok, timeout, f"node {i} to see view {want} (quorate={quorate})")


def run_python(code: str, env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter with goha importable from the checkout."""
    full = dict(os.environ)
    full["PYTHONPATH"] = str(ROOT / "python")
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full, timeout=timeout)
