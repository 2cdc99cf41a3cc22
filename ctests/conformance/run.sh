#!/usr/bin/env bash
# ctests/conformance/run.sh -- votequorum conformance: the same probe
# (vqprobe.c) against Debian's real corosync and against goha, diffed.
#
# 1. installs corosync and libvotequorum-dev with apt-get (needs root);
# 2. starts a single-node corosync bound to 127.0.0.1 in a temporary
#    directory (own config, state and run dirs; knet on 127.0.0.1:5405),
#    builds vqprobe against /usr/include + -lvotequorum, runs it, stops it;
# 3. starts a single-node gohad (ctests/lib/cluster.sh), builds the same
#    vqprobe against include/ + -lgoha, runs it, stops it;
# 4. diffs the transcripts (ring id sequence numbers are masked by the probe).
#
# Deliberate differences would be listed in include/corosync/votequorum.h;
# the probe covers none of them, so any diff is a failure.  Exit 0 when the
# transcripts are identical.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
source ctests/lib/cluster.sh
source ctests/conformance/corosync.sh

WORK=$(mktemp -d /tmp/goha-conformance.XXXXXX)
cleanup() {
	corosync_stop
	[ -d "$WORK/goha" ] && cluster_stop "$WORK/goha"
	if [ "${KEEP:-}" = 1 ]; then echo "conformance: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "conformance: $*" >&2; exit 1; }

# 1. corosync
if ! dpkg -s corosync libvotequorum-dev >/dev/null 2>&1; then
	echo "conformance: installing corosync and libvotequorum-dev"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >"$WORK/apt.log" 2>&1 || die "apt-get update failed (see $WORK/apt.log)"
	apt-get install -y -qq corosync libvotequorum-dev >>"$WORK/apt.log" 2>&1 || die "apt-get install failed"
fi
pgrep -x corosync >/dev/null && die "a corosync is already running on this machine; stop it first"
[ -e build/lib/libgoha.so ] && [ -x build/bin/gohad ] || make -s build >/dev/null || die "make build failed"

# 2. probe against corosync
gcc -Wall -Werror -O1 -o "$WORK/vqprobe-corosync" ctests/conformance/vqprobe.c \
	-lvotequorum -lcorosync_common || die "vqprobe does not build against corosync"
gcc -Wall -Werror -O1 -Iinclude -o "$WORK/vqprobe-goha" ctests/conformance/vqprobe.c \
	-Lbuild/lib -lgoha "-Wl,-rpath,$ROOT/build/lib" || die "vqprobe does not build against goha"

corosync_start "$WORK/corosync" goha-conformance || die "corosync did not start"
timeout 120 "$WORK/vqprobe-corosync" >"$WORK/corosync.out" 2>&1 || die "probe against corosync failed: $(tail -3 "$WORK/corosync.out")"
corosync_stop

# 3. probe against a one-node gohad
cluster_start "$WORK/goha" 1 || die "gohad did not start"
GOHA_IPC="unix:$WORK/goha/node1.sock" timeout 120 "$WORK/vqprobe-goha" >"$WORK/goha.out" 2>&1 ||
	die "probe against goha failed: $(tail -3 "$WORK/goha.out")"
cluster_stop "$WORK/goha"

# 4. compare
if diff -u --label corosync --label goha "$WORK/corosync.out" "$WORK/goha.out" >"$WORK/diff"; then
	echo "conformance: goha and corosync $(corosync -v | sed -n "s/.*version '\(.*\)'/\1/p") agree on all $(grep -c -- '->' "$WORK/goha.out") calls of the probe"
	echo "1 passed, 0 failed"
	exit 0
fi
cat "$WORK/diff"
echo "conformance: transcripts differ (see above)"
echo "0 passed, 1 failed"
exit 1
