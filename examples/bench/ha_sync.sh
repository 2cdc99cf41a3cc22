#!/usr/bin/env bash
# Initial sync of a 100 MiB config store to a new secondary, as a fraction
# of raw loopback TCP throughput measured in the same run
# (core/cmd/habench sync).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x build/bin/gohad ] || go build -o build/bin/gohad ./core/cmd/gohad
go build -o "$tmp/habench" ./core/cmd/habench
"$tmp/habench" sync --gohad build/bin/gohad --mib "${MIB:-100}"
