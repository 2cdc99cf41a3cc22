#!/usr/bin/env bash
# goha demo: a 3-node cluster on loopback. Starts it from examples/cluster.toml
# (copied to a temporary directory with fresh ports and socket paths), shows
# its status, SIGKILLs the CMM master, shows the new master and the quorum on
# the survivors with the measured failover time, restarts the killed node
# and shows it rejoin with a new incarnation, then stops everything.
# Every wait polls gohactl with a deadline; nothing sleeps hoping.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GOHAD=$ROOT/build/bin/gohad
GOHACTL=$ROOT/build/bin/gohactl

tmp=$(mktemp -d "${TMPDIR:-/tmp}/goha-demo.XXXXXX")
declare -A PID=()
cleanup() {
	trap - EXIT INT TERM
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
	examples/cluster.toml >"$tmp/cluster.toml"

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
echo "== SIGKILL the master $master (pid ${PID[$master]})"
t0=$(now_ms)
# (kill and wait in one group with stderr silenced: bash would otherwise
# print a "Killed" job notice)
{ kill -KILL "${PID[$master]}"; wait "${PID[$master]}"; } 2>/dev/null || true
unset "PID[$master]"
new=$(NOT=$master wait_master 30 "${survivors[@]}")
t1=$(now_ms)
echo "== new master: $new, agreed by ${survivors[*]} after $((t1 - t0)) ms (failover, measured by polling gohactl)"
echo
ctl "${survivors[0]}" status
echo
ctl "${survivors[1]}" quorum

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

echo
echo "== stopping the cluster (SIGTERM: each node leaves cleanly)"
for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}"; done
rc=0
for n in "${!PID[@]}"; do wait "${PID[$n]}" || rc=$?; done
PID=()
[ $rc = 0 ] && echo "== all nodes exited 0" || { echo "demo: a node exited with status $rc" >&2; exit 1; }
