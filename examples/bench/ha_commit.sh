#!/usr/bin/env bash
# Sync-mode config store commits through gohad: latency p50/p99 and
# throughput of 1 KiB values with 0, 1 and 2 in-sync secondaries, for one
# client and for 8 concurrent clients, plain and over mutual TLS 1.3
# (core/cmd/habench commit --tls).
source "$(dirname "$0")/lib.sh" habench
"$tmp/habench" commit --gohad build/bin/gohad --ops "${OPS:-400}" --size 1024 --tls
