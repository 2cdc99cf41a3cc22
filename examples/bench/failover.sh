#!/usr/bin/env bash
# Failover time of gohad: SIGKILL the CMM master of a 3-node loopback
# cluster and measure until every survivor has published the new master
# through the control protocol. 20 trials each for the timing of
# examples/cluster.toml and for heartbeat=20ms/failure_timeout=200ms.
TRIALS=${TRIALS:-20}
source "$(dirname "$0")/lib.sh" gohabench
"$tmp/gohabench" failover --gohad build/bin/gohad --trials "$TRIALS" --heartbeat "${hb:-300ms}" --failure "${ft:-900ms}"
"$tmp/gohabench" failover --gohad build/bin/gohad --trials "$TRIALS" --heartbeat 20ms --failure 200ms
echo "reference: corosync 3 two-node default (token 3000ms + consensus 3600ms) detects a dead node after ~6.6 s"
