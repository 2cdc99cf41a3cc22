#!/usr/bin/env bash
# votequorum_getinfo latency, goha versus corosync, same CPU as the daemon.
#
# Starts a one-node gohad on loopback (temporary directory), pins it and
# the benchmark client to one CPU (taskset), and times N (default 200000)
# votequorum_getinfo calls through libgoha.  When Debian's corosync and
# libvotequorum-dev are installed (ctests/conformance/run.sh installs them),
# it does the same against a one-node corosync bound to 127.0.0.1, pinned to
# the same CPU, and prints both lines together.  Everything started is
# stopped on exit.
#
# usage: examples/bench/votequorum_getinfo.sh [N] [CPU]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
source ctests/lib/cluster.sh
source ctests/conformance/corosync.sh

N=${1:-200000}
CPU=${2:-0}
WORK=$(mktemp -d /tmp/goha-bench.XXXXXX)
cleanup() {
	corosync_stop
	[ -d "$WORK/goha" ] && cluster_stop "$WORK/goha"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -e build/lib/libgoha.so ] && [ -x build/bin/gohad ] || make -s build >/dev/null || exit 1
gcc -O2 -Wall -Iinclude -o "$WORK/bench-goha" examples/bench/votequorum_getinfo.c \
	-Lbuild/lib -lgoha "-Wl,-rpath,$ROOT/build/lib" || exit 1

echo "votequorum_getinfo latency, $N calls, client and daemon pinned to CPU $CPU"

cluster_start "$WORK/goha" 1 || exit 1
taskset -acp "$CPU" "$(cluster_pid "$WORK/goha" 1)" >/dev/null
GOHA_IPC="unix:$WORK/goha/node1.sock" taskset -c "$CPU" "$WORK/bench-goha" goha "$N" || exit 1
cluster_stop "$WORK/goha"

if command -v corosync >/dev/null && [ -e /usr/include/corosync/votequorum.h ]; then
	if pgrep -x corosync >/dev/null; then
		echo "corosync   (skipped: a corosync is already running)"
		exit 0
	fi
	gcc -O2 -Wall -o "$WORK/bench-corosync" examples/bench/votequorum_getinfo.c -lvotequorum -lcorosync_common || exit 1
	corosync_start "$WORK/cs" goha-bench taskset -c "$CPU" || exit 1
	taskset -acp "$CPU" "$COROSYNC_PID" >/dev/null
	taskset -c "$CPU" "$WORK/bench-corosync" corosync "$N" || exit 1
else
	echo "corosync   (not installed: run ctests/conformance/run.sh once to install it)"
fi
