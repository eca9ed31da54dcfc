#!/usr/bin/env bash
# A load run against the local stack: builds the load-run binary (release) and runs it.
#
#   bash infra/load/run.sh                               # defaults below
#   bash infra/load/run.sh --rate 500 --duration 20      # any load-run flag (see --help)
#
# One process on 127.0.0.1 (a free port): the local stack with its embedded sandboxes, and a
# load generator posting signed webhooks to it. Prints a summary table; the full report is
# written to target/load-run.json. Stops by itself (every phase and drain is bounded).
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release -p local-stack --bin load-run

# Logs at warn, so that logging does not dominate the run (override with RUST_LOG).
export RUST_LOG="${RUST_LOG:-warn}"
exec "${CARGO_TARGET_DIR:-target}/release/load-run" \
  --sellers 500 \
  --count 5000 \
  --concurrency 16,64,256 \
  --rate 1000 \
  --duration 10 \
  --drain-timeout 30 \
  --out target/load-run.json \
  "$@"
