#!/usr/bin/env bash
# ctests/conformance/run.sh -- goha against Debian's corosync 3.1.7, with
# corosync's own programs (make conformance; needs root and apt).
#
#  1. installs Debian's corosync, corosync-qdevice and the corosync client
#     development packages (apt-get);
#  2. fetches the corosync and corosync-qdevice source packages (apt-get
#     source, through a temporary deb-src configuration when the machine has
#     none; sources.sh) into build/conformance/src, kept between runs;
#  3. builds, unchanged and without a warning (tools.sh): corosync-quorumtool,
#     corosync-cmapctl, corosync-cfgtool and the test programs testquorum,
#     testquorummodel, testvotequorum1, testvotequorum2 and testcfg against
#     include/ and -lgoha; the same test programs against Debian's
#     libraries; corosync-qdevice against goha's pkg-config files;
#  4. runs the suite (suite.sh: quorumtool -s, -l, -e, -v, -m and more,
#     cmapctl reads and writes, cfgtool, the test programs) against a
#     one-node corosync (Debian's binaries and the Debian-linked test
#     programs), then against a one-node gohad twice: with the programs built
#     against goha, and with Debian's binaries and Debian-linked programs
#     unchanged on build/lib/corosync (LD_LIBRARY_PATH); also corosync-qdevice
#     (Debian's against corosync, both against goha) up to its first
#     configuration check, and corosync-cfgtool -H, which stops the daemon;
#  5. runs the votequorum probe (vqprobe.c) against both;
#  6. diffs each goha transcript against corosync's.  Masked in all of them
#     (suite.sh): ring sequence numbers, dates, timeouts, program paths.
#     The differences goha keeps on purpose are listed, with their reasons,
#     in the headers (include/corosync/*.h); none of them shows in these
#     transcripts, so any difference fails.
#
# corosync runs in a network namespace of its own (corosync.sh), so another
# corosync on the machine cannot interfere.  Exit 0 when every comparison
# matches.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export ROOT
source ctests/lib/cluster.sh
source ctests/conformance/corosync.sh
source ctests/conformance/sources.sh
source ctests/conformance/suite.sh
source ctests/conformance/tools.sh

WORK=$(mktemp -d /tmp/goha-conformance.XXXXXX)
SRC=$ROOT/build/conformance/src
cleanup() {
	corosync_stop
	[ -d "$WORK/goha" ] && cluster_stop "$WORK/goha"
	if [ "${KEEP:-}" = 1 ]; then echo "conformance: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "conformance: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
passed=0
failed=0

# 1. packages
PKGS=(corosync corosync-qdevice libvotequorum-dev libquorum-dev libcmap-dev libcfg-dev
	libcorosync-common-dev libknet-dev libnss3-dev pkg-config dpkg-dev)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	echo "conformance: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >"$WORK/apt.log" 2>&1 || die "apt-get update failed (see $WORK/apt.log)"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$WORK/apt.log" 2>&1 ||
		die "apt-get install failed: $(tail -3 "$WORK/apt.log")"
fi
# The packages' own services (systemd) are not what we compare against.
if [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then
	COROSYNC_NETNS=1
else
	echo "conformance: no network namespaces here: corosync shares the machine's"
fi
make -s build >/dev/null || die "make build failed"

# 2. sources
conformance_sources "$SRC" corosync corosync-qdevice || die "cannot get the corosync sources"
CS=$SRC/corosync
QD=$SRC/corosync-qdevice
echo "conformance: sources $(basename "$(readlink -f "$CS")"), $(basename "$(readlink -f "$QD")")"

# 3. builds
conformance_build_goha "$CS" "$WORK/goha-bin" || die "corosync's programs do not build against goha"
conformance_build_debian "$CS" "$WORK/deb-bin" || die "corosync's test programs do not build against Debian's corosync"
conformance_build_qdevice "$QD" "$WORK/qdevice" || die "corosync-qdevice does not build against goha"
echo "conformance: built quorumtool, cmapctl, cfgtool, $CONFORMANCE_TESTS and corosync-qdevice against goha, unchanged, with -Wall -Werror"
passed=$((passed + 1))
ldd "$WORK/qdevice/qdevices/corosync-qdevice" | grep -q 'libgoha' || die "corosync-qdevice is not linked to libgoha"

gcc -Wall -Werror -O1 -o "$WORK/vqprobe-corosync" ctests/conformance/vqprobe.c \
	-lvotequorum -lcorosync_common || die "vqprobe does not build against corosync"
gcc -Wall -Werror -O1 -Iinclude -o "$WORK/vqprobe-goha" ctests/conformance/vqprobe.c \
	-Lbuild/lib -lgoha "-Wl,-rpath,$ROOT/build/lib" || die "vqprobe does not build against goha"

# conformance_qdevice OUT BIN [RUNNER...]: corosync-qdevice in the
# foreground with debug output, against a cluster without a quorum device:
# it must read its configuration through cmap and stop at the first check.
conformance_qdevice() {
	local out=$1 bin=$2
	shift 2
	printf '$ corosync-qdevice -f -d\n' >>"$out"
	"$@" timeout 20 "$bin" -f -d >"$out.one" 2>&1
	local rc=$?
	# Its log lines carry the time; keep the message.
	sed -E 's/^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} //' "$out.one" | conformance_mask >>"$out"
	echo "exit $rc" >>"$out"
	rm -f "$out.one"
}

# conformance_cfg_shutdown OUT PID [RUNNER...]: corosync-cfgtool -H (the
# daemon agrees to stop, nobody tracks), then the daemon's exit.
conformance_cfg_shutdown() {
	local out=$1 pid=$2
	shift 2
	conformance_runner=("$@")
	conformance_cmd "$out" 0 "$CFGTOOL" -H
	local deadline=$((SECONDS + 20))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
	if kill -0 "$pid" 2>/dev/null; then echo "daemon still running" >>"$out"; else echo "daemon stopped" >>"$out"; fi
}

# 4. corosync
# The probe on a daemon of its own: it changes votes for good.
corosync_start "$WORK/corosync-probe" ctest || die "corosync did not start"
corosync_run timeout 120 "$WORK/vqprobe-corosync" >"$WORK/vqprobe-corosync.out" 2>&1 ||
	die "probe against corosync failed: $(tail -3 "$WORK/vqprobe-corosync.out")"
corosync_stop
corosync_start "$WORK/corosync" ctest || die "corosync did not start"
conformance_suite "$WORK/corosync.out" "$WORK/deb-bin" corosync_run
conformance_qdevice "$WORK/corosync.out" /usr/sbin/corosync-qdevice corosync_run
CFGTOOL=$WORK/deb-bin/corosync-cfgtool conformance_cfg_shutdown "$WORK/corosync.out" "$COROSYNC_PID" corosync_run
corosync_stop

# 5. goha: the same, three ways (built against goha; Debian's binaries on
# the compat libraries; the probe).
goha_run() {
	local name=$1 bin=$2 qdevice=$3
	shift 3
	cluster_start "$WORK/goha" 1 || die "gohad did not start"
	local ipc=unix:$WORK/goha/node1.sock
	conformance_suite "$WORK/$name.out" "$bin" env GOHA_IPC="$ipc" "$@"
	conformance_qdevice "$WORK/$name.out" "$qdevice" env GOHA_IPC="$ipc" "$@"
	CFGTOOL=$bin/corosync-cfgtool conformance_cfg_shutdown "$WORK/$name.out" "$(cluster_pid "$WORK/goha" 1)" env GOHA_IPC="$ipc" "$@"
	grep -q 'gohad stopped' "$WORK/goha/node1.log" || echo "gohad did not log a clean stop" >>"$WORK/$name.out"
	cluster_stop "$WORK/goha"
	rm -rf "$WORK/goha"
}
cluster_start "$WORK/goha" 1 || die "gohad did not start"
GOHA_IPC=unix:$WORK/goha/node1.sock timeout 120 "$WORK/vqprobe-goha" >"$WORK/vqprobe-goha.out" 2>&1 ||
	die "probe against goha failed: $(tail -3 "$WORK/vqprobe-goha.out")"
cluster_stop "$WORK/goha"
rm -rf "$WORK/goha"
goha_run goha-src "$WORK/goha-bin" "$WORK/qdevice/qdevices/corosync-qdevice"
goha_run goha-deb "$WORK/deb-bin" /usr/sbin/corosync-qdevice LD_LIBRARY_PATH="$ROOT/build/lib/corosync"

# 6. compare
compare() {
	local what=$1 a=$2 b=$3
	if diff -u --label corosync --label goha "$a" "$b" >"$WORK/diff"; then
		local n
		n=$(grep -c '^\$ ' "$b")
		echo "conformance: $what: identical${n:+ ($n commands)}" | sed 's/ (0 commands)//'
		passed=$((passed + 1))
	else
		echo "conformance: $what: the transcripts differ:"
		sed 's/^/    /' "$WORK/diff"
		failed=$((failed + 1))
	fi
}
compare "corosync's programs built against goha" "$WORK/corosync.out" "$WORK/goha-src.out"
compare "Debian's binaries on build/lib/corosync" "$WORK/corosync.out" "$WORK/goha-deb.out"
compare "votequorum probe ($(grep -c -- '->' "$WORK/vqprobe-goha.out") calls)" "$WORK/vqprobe-corosync.out" "$WORK/vqprobe-goha.out"

echo "conformance: against corosync $(corosync -v | sed -n "s/.*version '\(.*\)'/\1/p")"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
