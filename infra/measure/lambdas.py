#!/usr/bin/env python3
"""Measures each function's release artifact and cold start.

    python3 infra/measure/lambdas.py [--skip-build] [--runs 20] [--out target/lambdas.json]

- Artifact: `cargo lambda build --release --arm64 --output-format zip` for every function
  (provided.al2023 on Graviton, as template.yaml deploys them), and the size of each
  `target/lambda/<function>/bootstrap.zip`.
- Init time: each function's x86_64 release binary (`cargo build --release`) started against
  a local Lambda runtime API emulator on 127.0.0.1: the time from process start to its first
  `GET /2018-06-01/runtime/invocation/next`, the moment the Lambda service counts init as done.
  Every function builds its SDK clients and configuration as on Lambda (tables, queues, keys
  from the environment; no Secrets Manager secret, so nothing leaves the machine). The median
  and the spread of `--runs` starts are reported. arm64 binaries are not started here (no
  arm64 CPU on this machine; emulated timings would not say anything).

Loopback only; every process it starts is stopped; bounded in runs and time.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ["webhook", "command", "notify", "status", "templates"]

# What each function needs to finish its cold start (placeholders: nothing is called).
ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "measure",
    "AWS_SECRET_ACCESS_KEY": "measure",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "WHATSAPP_APP_SECRET": "measure-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "measure-verify-token",
    "WHATSAPP_ACCESS_TOKEN": "measure-access-token",
    "DATA_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "MIAPOS_PUBLIC_KEY": (ROOT / "events" / "miapos-public-key.txt").read_text().strip(),
    "CONTACTS_TABLE": "Contacts",
    "MESSAGE_STATUS_TABLE": "MessageStatus",
    "DIRECTORY_TABLE": "Directory",
    "PAYMENT_LINKS_TABLE": "PaymentLinks",
    "IDEMPOTENCY_TABLE": "Idempotency",
    "AUDIT_TABLE": "Audit",
    "FAILED_COMMANDS_TABLE": "FailedCommands",
    "OUTBOX_TABLE": "Outbox",
    "INBOUND_QUEUE_URL": "http://127.0.0.1:9/000000000000/Inbound.fifo",
    "OUTBOUND_QUEUE_URL": "http://127.0.0.1:9/000000000000/Outbound.fifo",
    "PARKED_QUEUE_URL": "http://127.0.0.1:9/000000000000/Parked.fifo",
    "RUST_LOG": "warn",
    "AWS_LAMBDA_FUNCTION_NAME": "measure",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
}


class RuntimeApi(BaseHTTPRequestHandler):
    """The first `next` request marks init done; it is answered after the measurement."""

    first_next = None
    event = threading.Event()

    def do_GET(self):  # noqa: N802 (the HTTP verb)
        if self.path.startswith("/2018-06-01/runtime/invocation/next"):
            if RuntimeApi.first_next is None:
                RuntimeApi.first_next = time.perf_counter()
                RuntimeApi.event.set()
            # Hold the request: the function waits for an event, as on Lambda between calls.
            time.sleep(5)
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def init_time(binary, timeout=10.0):
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), RuntimeApi)
    # The held `next` request must not hold the measurement up when the server closes.
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RuntimeApi.first_next = None
    RuntimeApi.event.clear()
    env = dict(ENV, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}", PATH=os.environ.get("PATH", ""))
    start = time.perf_counter()
    process = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not RuntimeApi.event.wait(timeout):
            err = process.stderr.read1(4000).decode(errors="replace") if process.poll() is not None else ""
            raise RuntimeError(f"{binary.name} did not reach the runtime API in {timeout}s {err}")
        return (RuntimeApi.first_next - start) * 1000.0
    finally:
        process.kill()
        process.wait()
        server.shutdown()
        server.server_close()


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-build", action="store_true", help="measure what target/ holds")
    parser.add_argument("--no-arm64", action="store_true", help="skip the arm64 artifacts")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "target" / "lambdas.json"))
    args = parser.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    packages = [arg for f in FUNCTIONS for arg in ("-p", f)]
    if not args.skip_build:
        if not args.no_arm64:
            run(["cargo", "lambda", "build", "--release", "--arm64", "--output-format", "zip", *packages])
        run(["cargo", "build", "--release", *packages])
    report = {}
    for function in FUNCTIONS:
        entry = {}
        zipped = target / "lambda" / function / "bootstrap.zip"
        if zipped.exists():
            entry["arm64_zip_bytes"] = zipped.stat().st_size
        binary = target / "release" / function
        entry["x86_64_binary_bytes"] = binary.stat().st_size
        times = sorted(init_time(binary) for _ in range(max(1, args.runs)))
        entry["init_ms"] = {
            "median": round(statistics.median(times), 2),
            "min": round(times[0], 2),
            "p90": round(times[int(0.9 * (len(times) - 1))], 2),
            "max": round(times[-1], 2),
        }
        report[function] = entry
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"\n{'function':<10} {'arm64 zip':>12} {'x86_64 bin':>12} {'init median':>12} {'min':>8} {'p90':>8} {'max':>8}")
    for function, e in report.items():
        z = e.get("arm64_zip_bytes")
        zs = f"{z / 1e6:.2f} MB" if z else "-"
        i = e["init_ms"]
        print(
            f"{function:<10} {zs:>12} {e['x86_64_binary_bytes'] / 1e6:>9.2f} MB {i['median']:>9.2f} ms"
            f" {i['min']:>6.2f} {i['p90']:>8.2f} {i['max']:>8.2f}"
        )
    print(f"\nreport: {args.out}")


if __name__ == "__main__":
    sys.exit(main())
