#!/usr/bin/env bash
# goha demo: a 3-node cluster on loopback with automatic failover of the
# config store. Starts it from examples/cluster.toml (copied to a temporary
# directory with fresh ports and socket paths, and [ha] mode = "auto"),
# shows its status and the HA status of the primary (the CMM master), writes
# to the primary while a writer keeps writing, SIGKILLs the primary, shows
# the new master and primary with the measured failover time, reads the
# value on the new primary and checks that every write the cluster
# acknowledged is there, restarts the killed node and shows it rejoin as a
# secondary holding the same data, then stops everything.
# Every wait polls gohactl with a deadline; nothing sleeps hoping.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GOHAD=$ROOT/build/bin/gohad
GOHACTL=$ROOT/build/bin/gohactl

tmp=$(mktemp -d "${TMPDIR:-/tmp}/goha-demo.XXXXXX")
declare -A PID=()
WRITER=
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$WRITER" ]; then touch "$tmp/stop"; kill "$WRITER" 2>/dev/null || true; wait "$WRITER" 2>/dev/null || true; fi
	for n in "${!PID[@]}"; do
		kill -CONT "${PID[$n]}" 2>/dev/null || true
		kill -TERM "${PID[$n]}" 2>/dev/null || true
	done
	for n in "${!PID[@]}"; do wait "${PID[$n]}" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo; echo "interrupted: stopping the cluster"; exit 130' INT TERM

if [ ! -x "$GOHAD" ] || [ ! -x "$GOHACTL" ]; then
	echo "building gohad and gohactl"
	go build -o "$GOHAD" ./core/cmd/gohad
	go build -o "$GOHACTL" ./core/cmd/gohactl
fi
go build -o "$tmp/gohabench" ./core/cmd/gohabench

# Fresh ports (membership UDP and HA TCP for 3 nodes) and socket paths.
read -r -a P <<<"$("$tmp/gohabench" freeports 6)"
sed -e "s|/tmp/goha-demo|$tmp|g" \
	-e "s|127.0.0.1:7401|127.0.0.1:${P[0]}|; s|127.0.0.1:7402|127.0.0.1:${P[1]}|; s|127.0.0.1:7403|127.0.0.1:${P[2]}|" \
	-e "s|127.0.0.1:7411|127.0.0.1:${P[3]}|; s|127.0.0.1:7412|127.0.0.1:${P[4]}|; s|127.0.0.1:7413|127.0.0.1:${P[5]}|" \
	-e 's|^mode = "external"|mode = "auto"|' \
	examples/cluster.toml >"$tmp/cluster.toml"
grep -q '^mode = "auto"' "$tmp/cluster.toml" || { echo "demo: could not set [ha] mode = \"auto\"" >&2; exit 1; }

# The cluster key the config names (authkey_file), as a user makes it.
"$GOHACTL" keygen "$tmp/authkey"

ctl() { local n=$1; shift; "$GOHACTL" --ipc "unix:$tmp/$n.sock" --timeout 2s "$@"; }
now_ms() { date +%s%3N; }
start() {
	"$GOHAD" --config "$tmp/cluster.toml" --node "$1" --data "$tmp/data-$1" 2>>"$tmp/$1.log" &
	PID[$1]=$!
}
# master_of NODE: prints the master's name as NODE reports it, or nothing.
master_of() { ctl "$1" master 2>/dev/null | awk '{print $2}' || true; }
# wait_master DEADLINE_S NODES...: until all NODES report the same master
# different from $NOT (if set); prints it.
wait_master() {
	local deadline=$(( $(now_ms) + $1 * 1000 )); shift
	while :; do
		local first="" same=1 m
		for n in "$@"; do
			m=$(master_of "$n")
			if [ -z "$m" ] || [ "$m" = "${NOT:-}" ]; then same=0; break; fi
			[ -z "$first" ] && first=$m
			[ "$m" = "$first" ] || { same=0; break; }
		done
		if [ $same = 1 ]; then echo "$first"; return 0; fi
		if [ "$(now_ms)" -gt "$deadline" ]; then
			echo "demo: nodes $* did not agree on a master in time; logs in $tmp" >&2
			for n in "$@"; do tail -5 "$tmp/$n.log" >&2 || true; done
			return 1
		fi
		sleep 0.02
	done
}
# until DEADLINE_S: wait until "CMD" (a shell test) holds; else fail with MSG.
wait_for() {
	local deadline=$(( $(now_ms) + $1 * 1000 )) cond=$2 msg=$3
	until eval "$cond"; do
		if [ "$(now_ms)" -gt "$deadline" ]; then echo "demo: $msg; logs in $tmp" >&2; exit 1; fi
		sleep 0.02
	done
}
# writable NODE: NODE is the HA primary and accepts writes.
writable() { ctl "$1" ha status 2>/dev/null | grep -q '^Writable: *yes'; }
# in_sync NODE: the secondaries NODE (a primary) lists in sync.
in_sync() { ctl "$1" ha status 2>/dev/null | sed -n 's/^In sync: *\(.*\) (min_sync.*/\1/p'; }
# A writer that writes /demo/w/1, 2, ... back to back to whichever node
# accepts writes, and records each write the cluster acknowledged (gohactl
# exit 0) in $tmp/acked, until $tmp/stop exists.
writer() {
	local i=0 target=$1 n
	while [ ! -e "$tmp/stop" ]; do
		i=$((i + 1))
		for n in "$target" n1 n2 n3; do
			if ctl "$n" cdb set "/demo/w/$i" "$i" >/dev/null 2>&1; then
				echo "$i $n" >>"$tmp/acked"; target=$n; break
			fi
		done
	done
}
# missing NODE: how many acknowledged writes NODE does not hold.
missing() {
	ctl "$1" cdb dump /demo/w | awk '{print $1}' | sort >"$tmp/have"
	awk '{print "/demo/w/" $1}' "$tmp/acked" | sort | comm -23 - "$tmp/have" | wc -l
}
incarnation_of() { ctl "$1" members | awk -v n="$2" '$5 == n {print $4}'; }

echo "== starting n1, n2, n3 (config: $tmp/cluster.toml)"
for n in n1 n2 n3; do start $n; done
master=$(wait_master 30 n1 n2 n3)
echo
ctl n1 status
echo
echo "== cluster formed; master is $master"
inc_before=$(incarnation_of n1 "$master")

survivors=()
for n in n1 n2 n3; do [ "$n" = "$master" ] || survivors+=("$n"); done
echo
echo "== auto mode: the master $master is the HA primary; waiting until both secondaries are in sync"
wait_for 30 '[ "$(in_sync "$master" | wc -w)" = 2 ] && writable "$master"' "$master did not get its secondaries in sync"
ctl "$master" ha status
echo
echo "== writing to the primary $master"
ctl "$master" cdb set /demo/greeting "hello, written on $master"
echo "== a writer keeps writing /demo/w/1, 2, ... to whichever node accepts writes"
: >"$tmp/acked"
writer "$master" &
WRITER=$!
wait_for 30 '[ "$(wc -l <"$tmp/acked" 2>/dev/null || echo 0)" -ge 20 ]' "the writer got no writes acknowledged"

echo
echo "== SIGKILL the master and primary $master (pid ${PID[$master]})"
t0=$(now_ms)
# (kill and wait in one group with stderr silenced: bash would otherwise
# print a "Killed" job notice)
{ kill -KILL "${PID[$master]}"; wait "${PID[$master]}"; } 2>/dev/null || true
unset "PID[$master]"
new=$(NOT=$master wait_master 30 "${survivors[@]}")
t1=$(now_ms)
echo "== new master: $new, agreed by ${survivors[*]} after $((t1 - t0)) ms (failover, measured by polling gohactl)"
wait_for 30 'grep -q " $new\$" "$tmp/acked"' "the new primary $new acknowledged no write"
t2=$(now_ms)
echo "== $new is the HA primary and acknowledged the writer's writes $((t2 - t0)) ms after the kill"
touch "$tmp/stop"; wait "$WRITER"; WRITER=
echo
ctl "$new" status
echo
ctl "$new" ha status
echo
echo "== reading /demo/greeting on the new primary $new"
ctl "$new" cdb get /demo/greeting
lost=$(missing "$new")
echo "== the writer had $(wc -l <"$tmp/acked") writes acknowledged ($(grep -c " $master\$" "$tmp/acked") by $master, $(grep -c " $new\$" "$tmp/acked") by $new); missing on $new: $lost"
[ "$lost" = 0 ] || { echo "demo: $lost acknowledged writes lost" >&2; exit 1; }

echo
echo "== restarting $master"
start "$master"
deadline=$(( $(now_ms) + 30000 ))
until ctl "$master" status 2>/dev/null | grep -q "^Nodes: *3" && [ "$(master_of "$master")" = "$new" ]; do
	if [ "$(now_ms)" -gt "$deadline" ]; then echo "demo: $master did not rejoin in time" >&2; exit 1; fi
	sleep 0.05
done
inc_after=$(incarnation_of "$new" "$master")
echo "== $master rejoined: incarnation $inc_before -> $inc_after; master stays $new"
echo
ctl "$new" members
wait_for 30 'in_sync "$new" | grep -qw "$master"' "$master did not get in sync with $new"
echo
echo "== $master is a secondary of $new again, in sync:"
ctl "$new" ha status
echo
echo "== reading /demo/greeting on $master"
ctl "$master" cdb get /demo/greeting
lost=$(missing "$master")
echo "== missing on $master: $lost of the $(wc -l <"$tmp/acked") acknowledged writes"
[ "$lost" = 0 ] || { echo "demo: $lost acknowledged writes missing on $master" >&2; exit 1; }

echo
echo "== stopping the cluster (SIGTERM: each node leaves cleanly)"
for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}"; done
rc=0
for n in "${!PID[@]}"; do wait "${PID[$n]}" || rc=$?; done
PID=()
[ $rc = 0 ] && echo "== all nodes exited 0" || { echo "demo: a node exited with status $rc" >&2; exit 1; }
