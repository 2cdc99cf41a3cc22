#!/usr/bin/env bash
# Idle cost of gohad: RSS, CPU and datagrams sent per node per second in a
# 3-node loopback cluster with the timing of examples/cluster.toml, over
# a 30 s window (IDLE_WINDOW to change it).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x build/bin/gohad ] || go build -o build/bin/gohad ./core/cmd/gohad
go build -o "$tmp/gohabench" ./core/cmd/gohabench
hb=$(sed -n 's/^heartbeat *= *"\(.*\)".*/\1/p' examples/cluster.toml | head -1)
ft=$(sed -n 's/^failure_timeout *= *"\(.*\)".*/\1/p' examples/cluster.toml | head -1)
"$tmp/gohabench" idle --gohad build/bin/gohad --duration "${IDLE_WINDOW:-30s}" --heartbeat "${hb:-300ms}" --failure "${ft:-900ms}"
"$tmp/gohabench" idle --gohad build/bin/gohad --duration "${IDLE_WINDOW:-30s}" --heartbeat 20ms --failure 200ms
