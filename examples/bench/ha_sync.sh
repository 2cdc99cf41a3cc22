#!/usr/bin/env bash
# Initial sync of a 100 MiB config store to a new secondary, as a fraction
# of raw loopback TCP throughput measured in the same run
# (core/cmd/habench sync), then the same over mutual TLS 1.3 (--tls).
# habench prints a WARNING line when the plain figure is below issue 5's
# goal (50%).
#
#   MIB=100                             # the store's size
#   BASELINE_GOHAD=/path/to/old/gohad   # then the same with that binary
source "$(dirname "$0")/lib.sh" habench
"$tmp/habench" sync --gohad build/bin/gohad --mib "${MIB:-100}" --tls
if [ -n "${BASELINE_GOHAD:-}" ]; then
	echo "-- the same with the baseline gohad $BASELINE_GOHAD --"
	"$tmp/habench" sync --gohad "$BASELINE_GOHAD" --mib "${MIB:-100}" --tls
fi
