#!/usr/bin/env bash
# Auto mode ([ha] mode = "auto", sync replication) on a 3-node loopback
# cluster with a writer that records every acknowledged write:
# - failover: SIGKILL of the primary until a write is acknowledged by the
#   new primary, p50/p99 over TRIALS trials at the timing of
#   examples/cluster.toml and at heartbeat=20ms/failure_timeout=200ms;
# - the write-unavailable window of a planned switchover (gohactl
#   switchover: the old primary's last acknowledged write to the new one's
#   first);
# - the idle cost of a witness beside two data nodes.
# After each trial every acknowledged write is checked on the primary and
# every in-sync secondary: the count lost must be 0 (the run fails if not).
TRIALS=${TRIALS:-20}
source "$(dirname "$0")/lib.sh" gohabench
g=("$tmp/gohabench")
"${g[@]}" autofailover --gohad build/bin/gohad --trials "$TRIALS" --heartbeat "${hb:-300ms}" --failure "${ft:-900ms}"
"${g[@]}" autofailover --gohad build/bin/gohad --trials "$TRIALS" --heartbeat 20ms --failure 200ms
"${g[@]}" autoswitchover --gohad build/bin/gohad --trials "$TRIALS" --heartbeat "${hb:-300ms}" --failure "${ft:-900ms}"
"${g[@]}" autoswitchover --gohad build/bin/gohad --trials "$TRIALS" --heartbeat 20ms --failure 200ms
"${g[@]}" idle --gohad build/bin/gohad --witness 3 --duration "${IDLE_WINDOW:-30s}" --heartbeat "${hb:-300ms}" --failure "${ft:-900ms}"
