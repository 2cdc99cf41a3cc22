# Sourced by the benchmark scripts (not executable, so `make bench` does
# not run it): from the repository root, with a temporary directory $tmp
# removed on exit, builds gohad if it is missing and the benchmark driver
# named by $1 (core/cmd/$1) into $tmp.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x build/bin/gohad ] || go build -o build/bin/gohad ./core/cmd/gohad
go build -o "$tmp/$1" "./core/cmd/$1"
# The timing of examples/cluster.toml (empty if it has none).
hb=$(sed -n 's/^heartbeat *= *"\(.*\)".*/\1/p' examples/cluster.toml | head -1)
ft=$(sed -n 's/^failure_timeout *= *"\(.*\)".*/\1/p' examples/cluster.toml | head -1)
