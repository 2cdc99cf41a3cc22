#!/usr/bin/env bash
# ctests/run.sh -- build and run every C test program ctests/*.c against
# build/lib/libgoha.so and real gohad nodes on loopback.
#
# Each program is compiled with -I include -L build/lib -lgoha (rpath set),
# gets the cluster its "// goha-test: nodes=N [config K=V ...]" line asks for
# (a fresh one per program, in a temporary directory, see lib/cluster.sh),
# and prints "RESULT <name> P passed, F failed" (lib/harness.h).  Then every
# program runs once more under a memory checker (MEMCHECK=valgrind, the
# default, or MEMCHECK=asan; MEMCHECK=none skips the pass).  Everything
# started is stopped on exit, also on failure or interruption.
#
# Valgrind and the Go runtime: libgoha.so contains a Go runtime whose stack
# copying, preemption and GC confuse memcheck, so lib/go-runtime.supp
# suppresses errors whose innermost frame is inside libgoha.so (errors in the
# C programs and in the libc calls they make are still reported), and
# GODEBUG=asyncpreemptoff=1 keeps the runtime from preempting with signals.
# --error-exitcode makes any remaining error fail the program.
#
# Usage: ctests/run.sh [PATTERN]   (PATTERN: only programs whose name matches)
# Closing line: "N passed, N failed"; the exit status is non-zero on failure.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source ctests/lib/cluster.sh

PATTERN=${1:-}
MEMCHECK=${MEMCHECK:-valgrind}
if [ "$MEMCHECK" = valgrind ] && ! command -v valgrind >/dev/null; then
	echo "ctests: valgrind not installed; memory pass with -fsanitize=address instead"
	MEMCHECK=asan
fi
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
CC=${CC:-gcc}

# `make test` builds first; standalone, build what is missing.
if [ ! -e build/lib/libgoha.so ] || [ ! -x build/bin/gohad ] || [ ! -x build/bin/gohactl ]; then
	make -s build >/dev/null 2>&1 || echo "ctests: make build failed; running what can run"
fi
if [ ! -e build/lib/libgoha.so ]; then
	echo "ctests: build/lib/libgoha.so missing"; echo "0 passed, 1 failed"; exit 1
fi

WORK=$(mktemp -d /tmp/goha-ctests.XXXXXX)
cleanup() {
	local d
	for d in "$WORK"/run-*; do [ -d "$d" ] && cluster_stop "$d"; done
	if [ "${KEEP:-}" = 1 ]; then echo "ctests: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export GOHA_CLUSTER_SH="$ROOT/ctests/lib/cluster.sh"
CFLAGS_COMMON=(-std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-function
	-Iinclude -Ictests/lib)
LDFLAGS_COMMON=(-Lbuild/lib -lgoha "-Wl,-rpath,$ROOT/build/lib" -lpthread)

total_pass=0
total_fail=0

# directive PROG KEY: the value of KEY= on the program's goha-test line.
directive() {
	sed -n 's,^// goha-test:,,p' "$1" | head -1
}

# run_one SRC MODE: build and run one program (MODE plain|valgrind|asan).
run_one() {
	local src=$1 mode=$2 name dir bin line nodes=0 cfg=() out rc p f
	name=$(basename "$src" .c)
	line=$(directive "$src")
	for tok in $line; do
		case "$tok" in
		nodes=*) nodes=${tok#nodes=} ;;
		config) ;;
		*=*) cfg+=("$tok") ;;
		esac
	done
	bin="$WORK/bin-$mode/$name"
	mkdir -p "$WORK/bin-$mode"
	local extra=()
	[ "$mode" = asan ] && extra=(-fsanitize=address,undefined -fno-omit-frame-pointer)
	if ! $CC "${CFLAGS_COMMON[@]}" "${extra[@]}" -o "$bin" "$src" "${LDFLAGS_COMMON[@]}" 2>"$bin.cc.log"; then
		echo "FAIL $name [$mode]: does not compile:"; sed 's/^/    /' "$bin.cc.log" | head -20
		total_fail=$((total_fail + 1)); return
	fi
	dir="$WORK/run-$mode-$name"
	mkdir -p "$dir"
	unset GOHA_IPC GOHA_TEST_DIR GOHA_TEST_NODES
	for v in $(compgen -v GOHA_IPC_); do unset "$v"; done
	export GOHA_TEST_DIR="$dir" GOHA_TEST_NODES=0
	if [ "$nodes" -gt 0 ] && { [ ! -x "$GOHAD" ] || [ ! -x "$GOHACTL" ]; }; then
		echo "FAIL $name [$mode]: needs $nodes gohad nodes but build/bin/gohad or gohactl is missing"
		total_fail=$((total_fail + 1)); return
	fi
	if [ "$nodes" -gt 0 ]; then
		if ! cluster_start "$dir" "$nodes" "${cfg[@]}" 2>"$dir/cluster.err"; then
			echo "FAIL $name [$mode]: cluster of $nodes did not form:"; sed 's/^/    /' "$dir/cluster.err" | tail -5
			for i in $(seq 1 "$nodes"); do tail -3 "$dir/node$i.log" 2>/dev/null | sed "s/^/    n$i: /"; done
			cluster_stop "$dir"; total_fail=$((total_fail + 1)); return
		fi
		set -a; source "$dir/env"; set +a
		export GOHA_IPC="$GOHA_IPC_1"
	else
		export GOHA_IPC="unix:$dir/no-daemon.sock"
	fi
	local runner=()
	case "$mode" in
	valgrind) export GODEBUG=asyncpreemptoff=1; runner=(valgrind -q --error-exitcode=99 --leak-check=no --track-origins=no
		"--suppressions=$ROOT/ctests/lib/go-runtime.supp" --trace-children=no) ;;
	asan) export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:handle_segv=0:allow_user_segv_handler=1 ;;
	esac
	timeout -k 5 "$TEST_TIMEOUT" "${runner[@]}" "$bin" >"$dir/out.log" 2>&1
	rc=$?
	cluster_stop "$dir"
	out=$(grep -E '^RESULT ' "$dir/out.log" | tail -1)
	p=0; f=0
	if [[ "$out" =~ ^RESULT\ [^\ ]+\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[1]}; f=${BASH_REMATCH[2]}
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, timed out, or a memory error
	fi
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
	if [ "$f" -eq 0 ]; then
		echo "ok   $name [$mode]: $p passed"
	else
		echo "FAIL $name [$mode]: $p passed, $f failed (exit $rc)"
		grep -vE '^(RESULT|ok )' "$dir/out.log" | head -40 | sed 's/^/    /'
	fi
}

progs=()
for src in ctests/*.c; do
	[ -e "$src" ] || continue
	[ -n "$PATTERN" ] && [[ "$(basename "$src")" != *$PATTERN* ]] && continue
	progs+=("$src")
done

for src in "${progs[@]}"; do run_one "$src" plain; done
case "$MEMCHECK" in
valgrind | asan) for src in "${progs[@]}"; do run_one "$src" "$MEMCHECK"; done ;;
none) ;;
*) echo "ctests: MEMCHECK=$MEMCHECK: want valgrind, asan or none"; total_fail=$((total_fail + 1)) ;;
esac

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
