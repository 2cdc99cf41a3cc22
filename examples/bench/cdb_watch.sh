#!/usr/bin/env bash
# Change subscription delivery latency: from a sync-mode commit's
# acknowledgement on the primary until a subscriber on the secondary (then
# on the primary) has read the change, p50/p99, next to the commit latency
# of the same run (core/cmd/habench watch).
source "$(dirname "$0")/lib.sh" habench
"$tmp/habench" watch --gohad build/bin/gohad --ops "${OPS:-500}"
