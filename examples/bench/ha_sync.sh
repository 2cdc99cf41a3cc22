#!/usr/bin/env bash
# Initial sync of a 100 MiB config store to a new secondary, as a fraction
# of raw loopback TCP throughput measured in the same run
# (core/cmd/habench sync), then the same over mutual TLS 1.3 (--tls).
source "$(dirname "$0")/lib.sh" habench
"$tmp/habench" sync --gohad build/bin/gohad --mib "${MIB:-100}" --tls
