#!/usr/bin/env bash
# cluster.sh -- start, fault and stop real gohad clusters on loopback for the
# C tests (and anything else that needs live nodes).
#
# Source it (functions cluster_*) or run it as a command:
#
#   cluster.sh start DIR N [KEY=VALUE ...]   write DIR/cluster.toml for N nodes on
#                                            free 127.0.0.1 ports, start them,
#                                            wait until all N share one quorate view
#                                            with a master elected
#   cluster.sh start-node DIR I              (re)start node I (1-based)
#   cluster.sh stop-node DIR I               SIGTERM node I and wait for its exit
#   cluster.sh kill-node DIR I               SIGKILL node I and wait for its exit
#   cluster.sh pause-node DIR I              SIGSTOP node I (it stays a process)
#   cluster.sh resume-node DIR I             SIGCONT node I
#   cluster.sh wait-view DIR I "1 2 3" [quorate|inquorate|ready] [TIMEOUT_S]
#                                            poll node I until its view has exactly
#                                            these members (and that quorum state;
#                                            ready: quorate with a CMM master)
#   cluster.sh stop DIR                      stop every node of DIR (SIGCONT first)
#
# Extra KEY=VALUE arguments of start go into the config: "quorum.two_node=true",
# "timing.heartbeat=\"40ms\"", "node.2.eligible=false", "node.3.votes=2".
# node.I.ipc=tcp4, =tcp6 or =localhost gives node I a TCP control endpoint
# on a free port of 127.0.0.1, [::1] or localhost instead of its unix socket.
#
# Layout of DIR: cluster.toml, nodeI/ (data dir), nodeI.sock (ipc),
# nodeI.pid, nodeI.log, env (shell assignments GOHA_TEST_NODES, GOHA_IPC_I, ...).
# Every wait is a poll with a deadline; nothing sleeps a fixed time hoping.

set -u

CLUSTER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GOHAD=${GOHAD:-$CLUSTER_ROOT/build/bin/gohad}
GOHACTL=${GOHACTL:-$CLUSTER_ROOT/build/bin/gohactl}
# Short timings so that views form and failures are detected quickly, with
# room for a machine under load (a 300 ms failure timeout flapped at load 13).
CLUSTER_HEARTBEAT=${CLUSTER_HEARTBEAT:-100ms}
CLUSTER_FAILURE_TIMEOUT=${CLUSTER_FAILURE_TIMEOUT:-1s}
CLUSTER_WAIT_S=${CLUSTER_WAIT_S:-20}

cluster_die() { echo "cluster.sh: $*" >&2; exit 1; }

# free_ports N: N distinct free loopback ports (TCP and UDP both free).
cluster_free_ports() {
	python3 - "$1" <<'PY'
import socket, sys
n = int(sys.argv[1]); out = []; keep = []
while len(out) < n:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        t.close(); u.close(); continue
    keep += [t, u]; out.append(p)
print(" ".join(map(str, out)))
PY
}

# cluster_write_config DIR N [KEY=VALUE...]
cluster_write_config() {
	local dir=$1 n=$2; shift 2
	local ports; ports=($(cluster_free_ports $((3 * n))))
	python3 - "$dir" "$n" "$CLUSTER_HEARTBEAT" "$CLUSTER_FAILURE_TIMEOUT" "${ports[*]}" "$@" <<'PY'
import sys
d, n, hb, ft, ports = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5].split()
extra = {}
ipc = {i: "unix:%s/node%d.sock" % (d, i) for i in range(1, n + 1)}
for kv in sys.argv[6:]:
    k, v = kv.split("=", 1)
    extra[k] = v
top = {"cluster_name": '"ctest"', "domain_id": "7", "authkey": '"ctest-secret-0123456789abcdef0123"'}
tables = {"timing": {"heartbeat": '"%s"' % hb, "failure_timeout": '"%s"' % ft}, "quorum": {}, "ha": {}}
nodes = []
for i in range(1, n + 1):
    nodes.append({"id": str(i), "name": '"n%d"' % i,
                  "addr": '"127.0.0.1:%s"' % ports[2 * (i - 1)],
                  "ha_addr": '"127.0.0.1:%s"' % ports[2 * (i - 1) + 1],
                  "ipc": '"unix:%s/node%d.sock"' % (d, i)})
for k, v in extra.items():
    parts = k.split(".")
    if parts[0] == "node" and parts[2] == "ipc" and v in ("tcp4", "tcp6", "localhost"):
        i = int(parts[1])
        host = {"tcp4": "127.0.0.1", "tcp6": "[::1]", "localhost": "localhost"}[v]
        ipc[i] = "%s:%s" % (host, ports[2 * n + i - 1])
        nodes[i - 1]["ipc"] = '"%s"' % ipc[i]
    elif parts[0] == "node":
        nodes[int(parts[1]) - 1][parts[2]] = v
    elif len(parts) == 2:
        tables.setdefault(parts[0], {})[parts[1]] = v
    else:
        top[k] = v
import os
# The file holds the authkey: gohad refuses it unless only its owner may read it.
with os.fdopen(os.open(d + "/cluster.toml", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
    os.fchmod(f.fileno(), 0o600)
    for k, v in top.items():
        f.write("%s = %s\n" % (k, v))
    for t, kv in tables.items():
        f.write("\n[%s]\n" % t)
        for k, v in kv.items():
            f.write("%s = %s\n" % (k, v))
    for nd in nodes:
        f.write("\n[[node]]\n")
        for k, v in nd.items():
            f.write("%s = %s\n" % (k, v))
with open(d + "/env", "w") as f:
    f.write("GOHA_TEST_DIR=%s\nGOHA_TEST_NODES=%d\n" % (d, n))
    for i in range(1, n + 1):
        f.write("GOHA_IPC_%d=%s\n" % (i, ipc[i]))
PY
}

# cluster_start_node DIR I: start node I in the background, wait until its
# control socket answers.
cluster_start_node() {
	local dir=$1 i=$2
	mkdir -p "$dir/node$i"
	rm -f "$dir/node$i.sock"
	"$GOHAD" --config "$dir/cluster.toml" --node "n$i" --data "$dir/node$i" \
		>>"$dir/node$i.log" 2>&1 &
	echo $! >"$dir/node$i.pid"
	disown $! 2>/dev/null # its death is expected; no job-control notices
	local deadline=$((SECONDS + CLUSTER_WAIT_S))
	local ipc; ipc=$(cluster_ipc "$dir" "$i")
	until "$GOHACTL" --ipc "$ipc" --timeout 1s quorum >/dev/null 2>&1; do
		if ! cluster_alive "$(cat "$dir/node$i.pid")"; then
			echo "cluster.sh: node $i exited at start:" >&2; tail -5 "$dir/node$i.log" >&2; return 1
		fi
		[ $SECONDS -lt $deadline ] || { echo "cluster.sh: node $i not answering after ${CLUSTER_WAIT_S}s" >&2; return 1; }
		sleep 0.02
	done
}

cluster_pid() { cat "$1/node$2.pid" 2>/dev/null; }

# cluster_ipc DIR I: node I's control address (from DIR/env).
cluster_ipc() { sed -n "s/^GOHA_IPC_$2=//p" "$1/env"; }

# cluster_alive PID: the process exists and is not a zombie (a node started
# by another shell is not our child, so wait cannot reap it).
cluster_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# cluster_signal_wait DIR I SIG: send SIG and wait (deadline) for the exit.
cluster_signal_wait() {
	local dir=$1 i=$2 sig=$3 pid
	pid=$(cluster_pid "$dir" "$i") || return 0
	[ -n "$pid" ] || return 0
	kill -CONT "$pid" 2>/dev/null
	kill "-$sig" "$pid" 2>/dev/null || { rm -f "$dir/node$i.pid"; return 0; }
	local deadline=$((SECONDS + 10))
	while cluster_alive "$pid"; do
		if [ $SECONDS -ge $deadline ]; then kill -KILL "$pid" 2>/dev/null; fi
		sleep 0.01
	done
	wait "$pid" 2>/dev/null
	rm -f "$dir/node$i.pid"
}

# cluster_wait_view DIR I "MEMBERS" [quorate|inquorate|ready|any] [TIMEOUT_S]
# cluster_pause DIR I: SIGSTOP node I and wait (deadline) until every thread of
# the process is stopped. The kernel stops a multi-threaded process thread by
# thread as each gets a CPU, so under load a Go daemon can still answer a
# request for a few milliseconds after kill returns.
cluster_pause() {
	local pid t state stopped deadline=$((SECONDS + 10))
	pid=$(cluster_pid "$1" "$2")
	kill -STOP "$pid" || return 1
	while :; do
		stopped=1
		for t in /proc/"$pid"/task/*/stat; do
			state=$(sed 's/^.*) //' "$t" 2>/dev/null | cut -d' ' -f1)
			case "$state" in T|t|"") ;; *) stopped=0 ;; esac
		done
		[ $stopped = 1 ] && return 0
		[ $SECONDS -lt $deadline ] || { echo "cluster.sh: node $2 (pid $pid) not stopped after 10s" >&2; return 1; }
		sleep 0.005
	done
}

cluster_wait_view() {
	local dir=$1 i=$2 members=$3 q=${4:-any} t=${5:-$CLUSTER_WAIT_S}
	local deadline=$((SECONDS + t)) out=""
	while :; do
		out=$("$GOHACTL" --ipc "$(cluster_ipc "$dir" "$i")" --timeout 1s --json status 2>/dev/null)
		if [ -n "$out" ] && python3 -c '
import json, sys
s = json.loads(sys.argv[1]); want = sorted(int(x) for x in sys.argv[2].split())
q = sys.argv[3]
ok = sorted(s["members"]) == want
if q in ("quorate", "ready"): ok = ok and s["quorate"]
if q == "ready": ok = ok and s["master"] is not None
if q == "inquorate": ok = ok and not s["quorate"]
sys.exit(0 if ok else 1)' "$out" "$members" "$q" 2>/dev/null; then
			return 0
		fi
		if [ $SECONDS -ge $deadline ]; then
			echo "cluster.sh: node $i: no view [$members] ($q) within ${t}s; last status: $out" >&2
			return 1
		fi
		sleep 0.02
	done
}

# cluster_start DIR N [KEY=VALUE...]
cluster_start() {
	local dir=$1 n=$2; shift 2
	mkdir -p "$dir"
	cluster_write_config "$dir" "$n" "$@" || return 1
	local i all=""
	for i in $(seq 1 "$n"); do all="$all $i"; done
	for i in $(seq 1 "$n"); do cluster_start_node "$dir" "$i" || return 1; done
	for i in $(seq 1 "$n"); do cluster_wait_view "$dir" "$i" "$all" ready || return 1; done
}

cluster_stop() {
	local dir=$1 f i
	for f in "$dir"/node*.pid; do
		[ -e "$f" ] || continue
		i=${f##*/node}; i=${i%.pid}
		cluster_signal_wait "$dir" "$i" TERM
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	cmd=${1:-}; shift || true
	case "$cmd" in
	start) cluster_start "$@" ;;
	start-node) cluster_start_node "$@" ;;
	stop-node) cluster_signal_wait "$1" "$2" TERM ;;
	kill-node) cluster_signal_wait "$1" "$2" KILL ;;
	pause-node) cluster_pause "$@" ;;
	resume-node) kill -CONT "$(cluster_pid "$1" "$2")" ;;
	wait-view) cluster_wait_view "$@" ;;
	stop) cluster_stop "$@" ;;
	*) cluster_die "usage: cluster.sh start|start-node|stop-node|kill-node|pause-node|resume-node|wait-view|stop ..." ;;
	esac
fi
