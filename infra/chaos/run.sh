#!/usr/bin/env bash
# The fault-injection run, long form: builds chaos-run (release) and runs it.
#
#   bash infra/chaos/run.sh                                   # 1000 payments, 50 sellers, seed 1
#   bash infra/chaos/run.sh --payments 300 --sellers 20 --seed 3
#
# One process on 127.0.0.1 (a free port): the local stack with its embedded sandboxes, and a
# driver that creates payments over loopback HTTP while the Cloud API fails sends, callbacks
# are dropped, repeated and reordered, Meta reports 131047 late and the clock jumps. Prints the
# counts and what went wrong; exits 1 when a check failed. Stops by itself (every wait and
# the drain are bounded; 30 minutes at most).
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release -p chaos --bin chaos-run

# The run's faults make the stack warn by design; errors only, unless RUST_LOG says otherwise.
export RUST_LOG="${RUST_LOG:-error}"
exec "${CARGO_TARGET_DIR:-target}/release/chaos-run" "$@"
