#!/usr/bin/env bash
# HA failover driven by a small HA framework written in C against libgoha
# (examples/c/ha_failover.c): time from SIGKILL of the primary to NOPRIMARY
# on the secondary, to its promotion, and to its first accepted write.
# TRIALS fresh 2-node clusters (ctests/lib/cluster.sh), [ha] tick_timeout 1s.
set -euo pipefail
cd "$(dirname "$0")/../.."
TRIALS=${TRIALS:-5}
tmp=$(mktemp -d)
cleanup() {
	for d in "$tmp"/c*; do [ -d "$d" ] && bash ctests/lib/cluster.sh stop "$d" >/dev/null 2>&1; done
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -e build/lib/libgoha.so ] && [ -x build/bin/gohad ] && [ -x build/bin/gohactl ] || make -s build >/dev/null
gcc -std=gnu11 -O2 -Wall -Iinclude -o "$tmp/ha_failover" examples/c/ha_failover.c \
	-Lbuild/lib -lgoha "-Wl,-rpath,$PWD/build/lib"
out="$tmp/results"
for t in $(seq 1 "$TRIALS"); do
	d="$tmp/c$t"
	mkdir -p "$d"
	bash ctests/lib/cluster.sh start "$d" 2 'ha.token="bench-token"' 'ha.tick_timeout="1s"' >/dev/null
	"$tmp/ha_failover" "unix:$d/node1.sock" "unix:$d/node2.sock" "$(cat "$d/node1.pid")" bench-token | tee -a "$out"
	bash ctests/lib/cluster.sh stop "$d" >/dev/null 2>&1
done
python3 - "$out" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=([\w.]+)", l)) for l in open(sys.argv[1]) if l.startswith("failover")]
for k in ("detect_ms", "promote_ms", "writable_ms"):
    v = sorted(float(r[k]) for r in rows)
    print(f"{k:12s} min {v[0]:7.2f}  median {statistics.median(v):7.2f}  max {v[-1]:7.2f}  ({len(v)} trials)")
print("reasons:", ", ".join(sorted({r['reason'] for r in rows})))
PY
