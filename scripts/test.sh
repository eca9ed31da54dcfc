#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what it needs (idempotently),
# starts moto on a free loopback port and stops it again, whatever happens.
#
#   bash scripts/test.sh
#
# Steps: formatting, cfn-lint on template.yaml, the signed sample events, unit and
# contract tests (memory and moto; concurrent ledger posts on a second, serial moto), the
# webhook end to end under `cargo lambda watch`, the phone simulator in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "tools (pip: moto, cfn-lint, cargo-lambda)"
python3 -m pip --version >/dev/null
missing=()
python3 -c 'import moto, boto3, yaml, flask' 2>/dev/null || missing+=("moto[server]" boto3 PyYAML)
command -v cfn-lint >/dev/null || missing+=(cfn-lint)
command -v cargo-lambda >/dev/null || missing+=(cargo-lambda)
if [ ${#missing[@]} -gt 0 ]; then
  python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
# pip may install console scripts where the shell does not look yet.
PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$HOME/.local/bin:$PATH"
export PATH

step "cargo fmt --check"
cargo fmt --all -- --check

step "cfn-lint template.yaml"
cfn-lint template.yaml

step "signed sample events are current"
python3 events/sign_events.py --check

step "moto on a free loopback port, and a serial moto (one request at a time) on another"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOTO_PORT=$(free_port)
SERIAL_MOTO_PORT=$(free_port)
mkdir -p target
python3 -m moto.server -H 127.0.0.1 -p "$MOTO_PORT" >target/moto.log 2>&1 &
MOTO_PID=$!
python3 infra/moto_serial.py --port "$SERIAL_MOTO_PORT" >target/moto-serial.log 2>&1 &
SERIAL_MOTO_PID=$!
cleanup() {
  kill "$MOTO_PID" "$SERIAL_MOTO_PID" 2>/dev/null || true
  wait "$MOTO_PID" "$SERIAL_MOTO_PID" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
# moto's threaded server runs concurrent transactions unsafely; the ledger's concurrency
# tests and its benchmark use this one (see infra/moto_serial.py).
export PAYBOT_SERIAL_MOTO_URL="http://127.0.0.1:$SERIAL_MOTO_PORT"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset PAYBOT_SECRET_ID AWS_PROFILE
for endpoint in "$AWS_ENDPOINT_URL" "$PAYBOT_SERIAL_MOTO_URL"; do
  for _ in $(seq 1 50); do
    python3 - <<PY 2>/dev/null && break
import urllib.request; urllib.request.urlopen("$endpoint/moto-api/", timeout=1)
PY
    sleep 0.2
  done
done

step "tables and queues from template.yaml"
eval "$(python3 infra/moto_bootstrap.py --endpoint "$AWS_ENDPOINT_URL")"
# The same names on the serial moto: LEDGER_TABLE names a table on both.
python3 infra/moto_bootstrap.py --endpoint "$PAYBOT_SERIAL_MOTO_URL" >/dev/null

step "cargo test (unit, contract on memory and moto, benches once)"
PAYBOT_REQUIRE_MOTO=1 cargo test --workspace --all-targets

step "webhook end to end: cargo lambda watch + invoke, moto behind it"
(
  eval "$(python3 infra/moto_bootstrap.py --endpoint "$AWS_ENDPOINT_URL" --prefix e2e-)"
  python3 infra/e2e/webhook_e2e.py
)

step "phone simulator in headless Chromium (local stack on a free port)"
bash infra/browser/run.sh
