#!/usr/bin/env bash
# Idle cost of gohad: RSS, CPU and datagrams sent per node per second in a
# 3-node loopback cluster with the timing of examples/cluster.toml, over
# a 30 s window (IDLE_WINDOW to change it).
source "$(dirname "$0")/lib.sh" gohabench
"$tmp/gohabench" idle --gohad build/bin/gohad --duration "${IDLE_WINDOW:-30s}" --heartbeat "${hb:-300ms}" --failure "${ft:-900ms}"
"$tmp/gohabench" idle --gohad build/bin/gohad --duration "${IDLE_WINDOW:-30s}" --heartbeat 20ms --failure 200ms
