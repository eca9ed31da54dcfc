#!/usr/bin/env python3
"""End-to-end test of the `webhook` function through `cargo lambda watch` / `cargo lambda invoke`.

Preconditions (the test command provides them):
  - moto is running at AWS_ENDPOINT_URL (a loopback address);
  - the tables and the inbound FIFO queue exist and are empty;
  - CONTACTS_TABLE, MESSAGE_STATUS_TABLE, INBOUND_QUEUE_URL name them;
  - `cargo lambda` is installed (pip install cargo-lambda).

What it does:
  1. starts `cargo lambda watch` on a free 127.0.0.1 port with the test secrets of
     events/sign_events.py and the AWS_* / table / queue variables passed through;
  2. invokes every events/webhook-*.json with `cargo lambda invoke webhook` and checks the answers
     (the first invoke compiles the function, so it gets a long, bounded timeout);
  3. checks with boto3 what landed in moto: one queue message per distinct accepted wamid, none
     more after replaying a message (3 times in a row and 3 at once), the contact's last inbound
     time, the delivery status;
  4. prints each check and ends with `webhook e2e: N passed, M failed`; exits 1 on any failure.
`cargo lambda watch` and everything it started are always stopped, also on failure or Ctrl-C.

Environment knobs (optional):
  WEBHOOK_E2E_READY_TIMEOUT  seconds for watch to start and the first invoke to compile+answer (600)
  WEBHOOK_E2E_LOG            where the output of `cargo lambda watch` goes
                             (target/e2e/webhook-watch.log)
  RUST_LOG                   passed to the function (default: info)
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
sys.path.insert(0, str(EVENTS))
import sign_events as ev  # noqa: E402  (the constants the events were made from)

FUNCTION = "webhook"
READY_TIMEOUT = float(os.environ.get("WEBHOOK_E2E_READY_TIMEOUT", "600"))
INVOKE_TIMEOUT = 60.0
WATCH_PORT_TIMEOUT = 60.0
LOG_PATH = Path(os.environ.get("WEBHOOK_E2E_LOG", ROOT / "target" / "e2e" / "webhook-watch.log"))
# Signs in the watch log that the function will never answer (compile error, crash at start).
FATAL_LOG_MARKERS = ("could not compile", "error: no bin target", "command exited",
                     "command killed", "ended by exception", "failed to obtain the watchexec task")

# Passed to the function through the inherited environment only, never on the command line.
INHERIT_ONLY = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")

# Where the queue body keeps what the user sent, in order of preference.
CONTENT_FIELDS = ("content",)

REQUIRED_ENV = ("AWS_ENDPOINT_URL", "CONTACTS_TABLE", "MESSAGE_STATUS_TABLE", "INBOUND_QUEUE_URL")

# wamid -> (timestamp, decoded text or None) of the inbound messages the webhook must accept.
ACCEPTED = {
    ev.WAMID_TEXT: (ev.TS_TEXT, ev.TEXT_BODY),
    ev.WAMID_RO: (ev.TS_RO, ev.TEXT_BODY_RO),
    ev.WAMID_LIST: (ev.TS_LIST, None),
    ev.WAMID_BASE64: (ev.TS_BASE64, ev.TEXT_BODY),
}


# --------------------------------------------------------------------------- reporting

class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"PASS {name}" + (f" ({detail})" if detail else ""), flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def summary(self) -> str:
        return f"webhook e2e: {self.passed} passed, {self.failed} failed"


# --------------------------------------------------------------------------- cargo lambda watch

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def function_env() -> dict[str, str]:
    """What the function sees: the test secrets plus AWS_*, table and queue variables."""
    env = {
        "WHATSAPP_APP_SECRET": ev.APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": ev.VERIFY_TOKEN,
        "RUST_LOG": os.environ.get("RUST_LOG", "info"),
        # Never let an SDK credential chain reach for the instance metadata service.
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for key, value in os.environ.items():
        if key.startswith("AWS_") or key.endswith(("_TABLE", "_QUEUE_URL")):
            env[key] = value
    env.setdefault("AWS_ACCESS_KEY_ID", "testing")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    env["AWS_REGION"] = region
    env.setdefault("AWS_DEFAULT_REGION", region)
    return env


class Watch:
    def __init__(self, port: int, fn_env: dict[str, str]) -> None:
        self.port = port
        self.fn_env = fn_env
        self.proc: subprocess.Popen | None = None
        self.log = None

    def command(self) -> list[str]:
        cmd = ["cargo", "lambda", "watch",
               "--invoke-address", "127.0.0.1", "--invoke-port", str(self.port),
               "--ignore-changes",  # never rebuild mid-test when sources change
               "--wait",            # compile on the first invoke, not eagerly for a default fn
               "--package", FUNCTION]
        for key, value in sorted(self.fn_env.items()):
            # --env-var splits on commas; such values still reach the function through the
            # inherited environment of `cargo run`.
            # Credentials stay out of the command line (watch logs its options); the function
            # inherits them from the environment of `cargo run` all the same.
            if "," not in value and key not in INHERIT_ONLY:
                cmd += ["--env-var", f"{key}={value}"]
        return cmd

    def start(self) -> None:
        LOG_PATH.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(LOG_PATH, "wb")
        env = dict(os.environ)
        # Secrets come from the environment here, never from a Secrets Manager secret.
        env.pop("PAYBOT_SECRET_ID", None)
        env.update(self.fn_env)
        cmd = self.command()
        shown = [c.split("=", 1)[0] + "=***" if c.startswith("WHATSAPP_APP_SECRET=") else c
                 for c in cmd]
        print("starting: " + " ".join(shown), flush=True)
        print(f"watch log: {LOG_PATH}", flush=True)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        try:
            return LOG_PATH.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def fatal_marker(self) -> str | None:
        text = self.log_text()
        for marker in FATAL_LOG_MARKERS:
            if marker in text:
                return marker
        return None

    def wait_listening(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if not self.alive():
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.5)
        return False

    @staticmethod
    def _stat(pid: int) -> tuple[int, str] | None:
        """(parent pid, start time) of a process, or None when it is gone."""
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return int(fields[1]), fields[19]
        except (OSError, IndexError, ValueError):
            return None

    def _descendants(self) -> dict[int, str]:
        """Pid -> start time of every process below ours (watchexec may give the function its
        own process group, so killing our group alone could leave it running)."""
        if self.proc is None:
            return {}
        children: dict[int, list[tuple[int, str]]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                st = self._stat(int(entry.name))
                if st:
                    children.setdefault(st[0], []).append((int(entry.name), st[1]))
        found: dict[int, str] = {}
        todo = [self.proc.pid]
        while todo:
            for child, start in children.get(todo.pop(), []):
                found[child] = start
                todo.append(child)
        return found

    def _signal_all(self, pgid: int, below: dict[int, str], sig: int) -> None:
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            pass
        for pid, start in below.items():
            st = self._stat(pid)
            if st and st[1] == start:  # still the same process, not a reused pid
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass

    def stop(self) -> None:
        if self.proc is None:
            return
        below = self._descendants()
        proc, self.proc = self.proc, None
        pgid = proc.pid  # start_new_session: the group id is the leader's pid
        self._signal_all(pgid, below, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.5)
        self._signal_all(pgid, below, signal.SIGKILL)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print(f"cargo lambda watch (pid {proc.pid}) did not exit", flush=True)
        if self.log:
            self.log.close()
            self.log = None
        print("stopped cargo lambda watch", flush=True)


# --------------------------------------------------------------------------- invoke

class InvokeError(Exception):
    pass


def invoke_cmd(port: int, event: str) -> list[str]:
    return ["cargo", "lambda", "invoke", FUNCTION,
            "--invoke-address", "127.0.0.1", "--invoke-port", str(port),
            "--data-file", str(EVENTS / event), "--output-format", "json"]


def parse_response(stdout: str) -> tuple[int, str]:
    resp = json.loads(stdout)
    body = resp.get("body") or ""
    if resp.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    return int(resp["statusCode"]), body


def invoke(port: int, event: str, timeout: float = INVOKE_TIMEOUT) -> tuple[int, str]:
    try:
        out = subprocess.run(invoke_cmd(port, event), cwd=ROOT, capture_output=True, text=True,
                             timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise InvokeError(f"no answer within {timeout:.0f}s") from exc
    if out.returncode != 0:
        raise InvokeError(f"exit {out.returncode}: {(out.stderr or out.stdout).strip()[-800:]}")
    try:
        return parse_response(out.stdout)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvokeError(f"unexpected answer {out.stdout.strip()[:400]!r}: {exc}") from exc


def first_invoke(watch: Watch, event: str, deadline: float) -> tuple[int, str]:
    """The first invoke makes watch compile and start the function: wait long, but fail fast
    when the log shows it will never answer."""
    proc = subprocess.Popen(invoke_cmd(watch.port, event), cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while proc.poll() is None:
            if time.monotonic() > deadline:
                raise InvokeError(f"function not ready within {READY_TIMEOUT:.0f}s")
            if not watch.alive():
                raise InvokeError("cargo lambda watch exited")
            marker = watch.fatal_marker()
            if marker:
                raise InvokeError(f"watch log shows {marker!r}")
            time.sleep(1)
        stdout, stderr = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise InvokeError(f"exit {proc.returncode}: {(stderr or stdout).strip()[-800:]}")
    try:
        return parse_response(stdout)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvokeError(f"unexpected answer {stdout.strip()[:400]!r}: {exc}") from exc


def expect_status(report: Report, port: int, event: str, status: int,
                  body: str | None = None) -> bool:
    name = f"invoke {event} -> {status}" + (f" {body!r}" if body is not None else "")
    try:
        got_status, got_body = invoke(port, event)
    except InvokeError as exc:
        return report.check(name, False, str(exc))
    ok = got_status == status and (body is None or got_body == body)
    return report.check(name, ok, f"got {got_status} {got_body[:200]!r}")


# --------------------------------------------------------------------------- moto

def aws_clients():
    import boto3
    from botocore.config import Config

    endpoint = os.environ["AWS_ENDPOINT_URL"]
    env = function_env()
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
        region_name=env["AWS_REGION"],
    )
    cfg = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2})
    return (session.client("sqs", endpoint_url=endpoint, config=cfg),
            session.client("dynamodb", endpoint_url=endpoint, config=cfg))


def receive_all(sqs, queue_url: str) -> list[dict]:
    """Receive until the queue yields nothing twice in a row (bounded). Messages stay in flight
    (long visibility timeout, never deleted) so FIFO deduplication in moto keeps seeing them."""
    got: dict[str, dict] = {}
    empty = 0
    for _ in range(10):
        resp = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=900, WaitTimeSeconds=1,
            MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
        msgs = resp.get("Messages", [])
        for m in msgs:
            got[m["MessageId"]] = m
        empty = 0 if msgs else empty + 1
        if empty >= 2:
            break
    return list(got.values())


def release(sqs, queue_url: str, msgs: list[dict]) -> None:
    """Make received messages visible again (and unlock their FIFO group)."""
    for i in range(0, len(msgs), 10):
        entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                   for n, m in enumerate(msgs[i:i + 10])]
        sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)


def queue_total(sqs, queue_url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
             "ApproximateNumberOfMessagesDelayed"]
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attrs.get(n, 0)) for n in names)


def by_wamid(msgs: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for m in msgs:
        try:
            wid = json.loads(m["Body"]).get("id")
        except (ValueError, AttributeError):
            wid = None
        out.setdefault(wid or f"<unparsed {m['MessageId']}>", []).append(m)
    return out


def check_queue(report: Report, msgs: list[dict], label: str) -> None:
    groups = by_wamid(msgs)
    counts = {w[-16:]: len(v) for w, v in groups.items()}
    exact = set(groups) == set(ACCEPTED) and all(len(v) == 1 for v in groups.values())
    report.check(f"{label}: exactly one message per accepted wamid ({len(ACCEPTED)})", exact,
                 f"found {len(msgs)} messages, per wamid tail {counts}")


def check_queue_contents(report: Report, msgs: list[dict]) -> None:
    groups = by_wamid(msgs)
    problems = []
    group_ids = set()
    for wid, items in groups.items():
        m = items[0]
        attrs = m.get("Attributes", {})
        group_ids.add(attrs.get("MessageGroupId"))
        if attrs.get("MessageDeduplicationId") != wid:
            problems.append(f"{wid[-16:]}: MessageDeduplicationId={attrs.get('MessageDeduplicationId')!r}")
        if not attrs.get("MessageGroupId"):
            problems.append(f"{wid[-16:]}: no MessageGroupId")
    report.check("queue attributes: dedup id = wamid, one message group for the sender",
                 not problems and len(group_ids) == 1 and None not in group_ids,
                 "; ".join(problems) or f"group ids {sorted(map(str, group_ids))}")

    problems = []
    fields: set = set()
    for wid, (_, text) in ACCEPTED.items():
        if text is None or wid not in groups:
            continue
        try:
            body = json.loads(groups[wid][0]["Body"])
        except ValueError as exc:
            problems.append(f"{wid[-16:]}: body is not JSON ({exc})")
            continue
        # The brief names the field `kind`; shared::domain::InboundMessage calls it `content`.
        field = next((f for f in CONTENT_FIELDS if isinstance(body, dict) and f in body), None)
        kind = body.get(field) if field else None
        fields.add(field)
        if not isinstance(kind, dict) or kind.get("type") != "text" or kind.get("body") != text:
            problems.append(f"{wid[-16:]}: {field or 'kind'}={kind!r}, "
                            f"want type 'text' body {text!r}")
    report.check("queue bodies: id = wamid, kind.type = text, kind.body = decoded text "
                 "(incl. Romanian diacritics)", not problems,
                 "; ".join(problems) or f"3 text messages, field {sorted(map(str, fields))}")


def check_contact(report: Report, ddb, table: str) -> None:
    want = max(ts for ts, _ in ACCEPTED.values())
    items: list[dict] = []
    kwargs: dict = {"TableName": table}
    for _ in range(20):  # bounded pagination; the table is tiny
        resp = ddb.scan(**kwargs)
        items += resp.get("Items", [])
        if "LastEvaluatedKey" not in resp:
            break
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def mentions_sender(item: dict) -> bool:
        return any(ev.SENDER in v.get("S", "") for v in item.values() if isinstance(v, dict))

    mine = [i for i in items if mentions_sender(i)]
    values = [i.get("last_inbound_at") for i in mine]
    ok = any(v is not None and "N" in v and int(v["N"]) == want for v in values)
    report.check(f"{table}: contact of {ev.SENDER} has numeric last_inbound_at = {want} "
                 "(newest message; replays of older ones must not move it back)", ok,
                 f"{len(items)} items, {len(mine)} for the sender, last_inbound_at {values}")


def check_status(report: Report, ddb, table: str) -> None:
    resp = ddb.get_item(TableName=table, Key={"wamid": {"S": ev.WAMID_STATUS}}, ConsistentRead=True)
    item = resp.get("Item")
    status = (item or {}).get("status", {}).get("S")
    report.check(f"{table}: item for the status wamid has status 'delivered'",
                 status == "delivered", f"item {item}")


# --------------------------------------------------------------------------- main

def preconditions() -> str | None:
    missing = [k for k in REQUIRED_ENV if not os.environ.get(k)]
    if missing:
        return "missing environment: " + ", ".join(missing)
    for key in ("AWS_ENDPOINT_URL", "INBOUND_QUEUE_URL"):
        host = urlparse(os.environ[key]).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("127."):
            return f"{key} must point at a loopback address, got {host!r}"
    if not os.environ["INBOUND_QUEUE_URL"].endswith(".fifo"):
        return "INBOUND_QUEUE_URL is not a FIFO queue"
    try:
        out = subprocess.run(["cargo", "lambda", "--version"], capture_output=True, text=True,
                             timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cargo lambda not runnable ({exc}); pip install cargo-lambda"
    if out.returncode != 0:
        return "cargo lambda not installed (pip install cargo-lambda): " + out.stderr.strip()[-300:]
    print(out.stdout.strip(), flush=True)
    return None


def run(report: Report, watch: Watch) -> None:
    queue_url = os.environ["INBOUND_QUEUE_URL"]
    sqs, ddb = aws_clients()

    stale = [n for n, e in ev.build().items() if (EVENTS / n).read_bytes() != ev.render(e)]
    report.check("events/*.json match events/sign_events.py", not stale,
                 f"stale: {stale}" if stale else "")

    deadline = time.monotonic() + READY_TIMEOUT
    watch.start()
    if not report.check("cargo lambda watch listening",
                        watch.wait_listening(min(deadline, time.monotonic() + WATCH_PORT_TIMEOUT)),
                        f"127.0.0.1:{watch.port}"):
        print(watch.log_tail(), flush=True)
        return

    # 1. the handshake; the first invoke compiles and starts the function.
    print(f"first invoke (compiles the function, up to {READY_TIMEOUT:.0f}s) ...", flush=True)
    t0 = time.monotonic()
    name = f"invoke webhook-verify-ok.json -> 200 {ev.CHALLENGE!r}"
    try:
        status, body = first_invoke(watch, "webhook-verify-ok.json", deadline)
    except InvokeError as exc:
        report.check(name, False, str(exc))
        print("--- watch log (tail) ---\n" + watch.log_tail(60), flush=True)
        return
    report.check(name, status == 200 and body == ev.CHALLENGE,
                 f"got {status} {body[:200]!r} after {time.monotonic() - t0:.0f}s")

    expect_status(report, watch.port, "webhook-verify-bad-token.json", 403)
    for event in ("webhook-text-message.json", "webhook-text-message-ro.json",
                  "webhook-list-reply.json", "webhook-base64-body.json", "webhook-status.json"):
        expect_status(report, watch.port, event, 200)
    expect_status(report, watch.port, "webhook-bad-signature.json", 403)

    # 2. the queue: one message per distinct accepted wamid, nothing for the bad signature.
    msgs = receive_all(sqs, queue_url)
    check_queue(report, msgs, "inbound queue")
    check_queue_contents(report, msgs)

    # 3. Meta's retries: the same message 3 times in a row, then 3 at once.
    results = []
    for _ in range(3):
        try:
            results.append(invoke(watch.port, "webhook-text-message.json")[0])
        except InvokeError as exc:
            results.append(str(exc))
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(invoke, watch.port, "webhook-text-message.json") for _ in range(3)]
        for f in futures:
            try:
                results.append(f.result()[0])
            except InvokeError as exc:
                results.append(str(exc))
    report.check("replay webhook-text-message.json 3x in a row + 3x concurrently -> 200 each",
                 results == [200] * 6, f"got {results}")

    release(sqs, queue_url, msgs)
    again = receive_all(sqs, queue_url)
    total = queue_total(sqs, queue_url)
    check_queue(report, again, "inbound queue after replays")
    report.check("inbound queue holds no extra message after replays",
                 total == len(ACCEPTED), f"queue attributes count {total} messages")

    # 4. the tables.
    check_contact(report, ddb, os.environ["CONTACTS_TABLE"])
    check_status(report, ddb, os.environ["MESSAGE_STATUS_TABLE"])


def main() -> int:
    report = Report()
    problem = preconditions()
    if problem:
        report.check("preconditions", False, problem)
        print(report.summary(), flush=True)
        return 1

    watch = Watch(free_port(), function_env())

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    try:
        run(report, watch)
    except KeyboardInterrupt as exc:
        report.check("run", False, f"interrupted ({exc})")
    except Exception as exc:  # noqa: BLE001 - a broken run is one failed check, with its trace
        traceback.print_exc()
        report.check("run", False, f"{type(exc).__name__}: {exc}")
    finally:
        watch.stop()
    if report.failed:
        print(f"(full watch log: {LOG_PATH})", flush=True)
    print(report.summary(), flush=True)
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
