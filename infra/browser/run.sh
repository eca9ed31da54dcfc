#!/usr/bin/env bash
# The phone simulator in headless Chromium, end to end:
#
#   bash infra/browser/run.sh
#
# Installs Debian's chromium when it is missing (apt-get, once), the test's one npm package
# (playwright-core, which downloads no browser), starts `cargo run -p local-stack` on a free
# loopback port, waits for it, runs `node --test` (the simulator, then the console), and stops
# the stack whatever happens.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
command -v node >/dev/null 2>&1 || { echo "node is needed (Debian: apt-get install nodejs npm)" >&2; exit 1; }

cd "$here"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
url="http://127.0.0.1:$port"
mkdir -p "$root/target"
log="$root/target/local-stack-browser.log"

# Built first, so that the wait below is for start-up only.
(cd "$root" && cargo build -q -p local-stack --bin local-stack)
# `cargo run` replaces itself with the binary, so $! is the stack's own process.
# The demo wallet file with its susu group starting now, so that the wallet products' test
# finds the group in its first cycle whatever the date (the file's own start date is fixed).
wallet_file="$root/target/browser-wallet.json"
node -e '
  const fs = require("fs");
  const file = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  for (const group of file.susu_groups || []) group.starts_at = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  fs.writeFileSync(process.argv[2], JSON.stringify(file, null, 2));
' "$root/infra/demo/wallet.json" "$wallet_file"

# The console's operator token for this run, given to the stack and to the console test.
console_token="$(node -e 'console.log(require("crypto").randomBytes(18).toString("hex"))')"
(cd "$root" && LOCAL_ADDRESS="127.0.0.1:$port" CONSOLE_OPERATOR_TOKEN="$console_token" \
  WALLET_FILE="$wallet_file" WALLET_BNPL_MIN_SCORE=300 exec cargo run -q -p local-stack --bin local-stack) >"$log" 2>&1 &
stack=$!
stop() {
  kill "$stack" 2>/dev/null || true
  wait "$stack" 2>/dev/null || true
}
trap stop EXIT INT TERM

ready=""
for _ in $(seq 1 120); do
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url/_sim/info"; then
    ready=yes
    break
  fi
  kill -0 "$stack" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "the local stack did not start on $url; its log:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi

status=0
# One file after the other: the console test pauses the wallet number for a moment, and the
# wallet products' test moves the stack clock weeks ahead (it runs last).
PAYBOT_STACK_URL="$url" PAYBOT_CONSOLE_TOKEN="$console_token" \
  node --test --test-concurrency=1 --test-reporter=spec simulator.test.mjs console.test.mjs wallet-products.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "browser test failed; the stack's log ($log) ends with:" >&2
  tail -n 40 "$log" >&2
fi
exit "$status"
