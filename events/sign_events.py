#!/usr/bin/env python3
"""(Re)generate the sample events for `cargo lambda invoke` of the `webhook` function.

Every file is an API Gateway HTTP API event, payload format 2.0, as lambda_http 1.x
(aws_lambda_events `ApiGatewayV2httpRequest`) deserializes it. The bodies are WhatsApp Cloud
API webhook notifications serialized the way Meta sends them: compact JSON, non-ASCII escaped
as lowercase `\\uXXXX`, `/` escaped as `\\/`. POSTs carry `X-Hub-Signature-256`
(`sha256=` + lowercase hex HMAC-SHA256 over the exact body bytes) and the legacy
`X-Hub-Signature` (sha1).

The secrets here are test values; run the function with
    WHATSAPP_APP_SECRET=events-app-secret WHATSAPP_VERIFY_TOKEN=events-verify-token

Usage: python3 events/sign_events.py [--check]
    --check  regenerate in memory and fail if a file on disk differs (for CI).

Stdlib only, deterministic output: running it twice gives byte-identical files.
The constants below are imported by infra/e2e/webhook_e2e.py, which asserts against them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path

APP_SECRET = "events-app-secret"
VERIFY_TOKEN = "events-verify-token"
WRONG_APP_SECRET = "not-the-app-secret"
WRONG_VERIFY_TOKEN = "not-the-verify-token"
CHALLENGE = "1158201444"

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "37369002773"
SENDER = "37369123456"
SENDER_NAME = "Ion Popescu"
SENDER_BSUID = "MD.1234567890123456"

TEXT_BODY = 'pay 100 "Cafea + croissant" #cafea'
TEXT_BODY_RO = "plat\u0103 100 \u201eCafea \u0219i covrig\u201d #cafea"  # plată 100 „Cafea și covrig” #cafea
LIST_REPLY = {"id": "core:lang:de", "title": "Deutsch"}

# Unix seconds; the messages arrive one minute apart, the status last.
TS_TEXT = 1763712000
TS_RO = 1763712060
TS_LIST = 1763712120
TS_BASE64 = 1763712180
TS_BAD_SIGNATURE = 1763712240
TS_STATUS = 1763712300


def wamid(phone: str, msg_id: str, outbound: bool = False) -> str:
    """A message id shaped like Meta's: base64 of a small protobuf-like record."""
    kind = b"\x11" if outbound else b"\x12"
    raw = (
        b"\x1c\x18" + bytes([len(phone)]) + phone.encode()
        + b"\x15\x02\x00" + kind + b"\x18" + bytes([len(msg_id)]) + msg_id.encode() + b"\x00"
    )
    return "wamid." + base64.b64encode(raw).decode()


WAMID_TEXT = wamid(SENDER, "3A5FF34C463F7265F1F6")
assert WAMID_TEXT == "wamid.HBgLMzczNjkxMjM0NTYVAgASGBQzQTVGRjM0QzQ2M0Y3MjY1RjFGNgA="
WAMID_RO = wamid(SENDER, "3AD1C0E8B61F0A9E4C27")
WAMID_LIST = wamid(SENDER, "3A0B7E5C2D9F41A68E13")
WAMID_BASE64 = wamid(SENDER, "3A9E26D4B70C5F183A4D")
WAMID_BAD_SIGNATURE = wamid(SENDER, "3AF7C3129B8E60D2A5B1")
# Our own earlier outbound messages (the list we sent, the message whose delivery is reported).
WAMID_OUT_LIST = wamid(SENDER, "9A3CA5B3D4CD6E67E7", outbound=True)
WAMID_STATUS = wamid(SENDER, "4F1B8E2A7C9D03E5B6", outbound=True)

CONVERSATION_ID = "8d7f3c2b1a0e9f8d7c6b5a4e3d2c1b0a"

API_ID = "k3x9q2w7p1"
DOMAIN = f"{API_ID}.execute-api.eu-central-1.amazonaws.com"
META_IP = "173.252.107.117"

EVENTS_DIR = Path(__file__).resolve().parent


def meta_json(obj: object) -> bytes:
    """Serialize like Meta: compact, ASCII only with lowercase \\uXXXX escapes, `/` as `\\/`."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=True)
    # `/` only ever occurs inside JSON strings here, so escaping it textually is safe.
    return text.replace("/", "\\/").encode("ascii")


def sign256(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign1(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def envelope(value: dict) -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def inbound(message: dict) -> dict:
    return envelope({
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": DISPLAY_PHONE_NUMBER,
            "phone_number_id": PHONE_NUMBER_ID,
        },
        "contacts": [{"profile": {"name": SENDER_NAME}, "wa_id": SENDER, "user_id": SENDER_BSUID}],
        "messages": [message],
    })


def text_message(msg_id: str, ts: int | str, body: str) -> dict:
    return inbound({
        "from": SENDER,
        "id": msg_id,
        "timestamp": ts,
        "text": {"body": body},
        "type": "text",
    })


def list_reply_message() -> dict:
    return inbound({
        "context": {"from": DISPLAY_PHONE_NUMBER, "id": WAMID_OUT_LIST},
        "from": SENDER,
        "id": WAMID_LIST,
        "timestamp": str(TS_LIST),
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": LIST_REPLY},
    })


def status_delivered() -> dict:
    return envelope({
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": DISPLAY_PHONE_NUMBER,
            "phone_number_id": PHONE_NUMBER_ID,
        },
        "statuses": [{
            "id": WAMID_STATUS,
            "status": "delivered",
            "timestamp": str(TS_STATUS),
            "recipient_id": SENDER,
            "conversation": {
                "id": CONVERSATION_ID,
                "origin": {"type": "service"},
            },
            "pricing": {
                "billable": False,
                "pricing_model": "PMP",
                "category": "service",
                "type": "free_customer_service",
            },
        }],
    })


def request_context(method: str, request_id: str, time: str, epoch_ms: int, user_agent: str) -> dict:
    return {
        "accountId": "123456789012",
        "apiId": API_ID,
        "domainName": DOMAIN,
        "domainPrefix": API_ID,
        "http": {
            "method": method,
            "path": "/webhook",
            "protocol": "HTTP/1.1",
            "sourceIp": META_IP,
            "userAgent": user_agent,
        },
        "requestId": request_id,
        "routeKey": f"{method} /webhook",
        "stage": "$default",
        "time": time,
        "timeEpoch": epoch_ms,
    }


def verify_event(token: str, request_id: str) -> dict:
    ua = "facebookplatform/1.0 (+http://developers.facebook.com)"
    query = {"hub.mode": "subscribe", "hub.challenge": CHALLENGE, "hub.verify_token": token}
    return {
        "version": "2.0",
        "routeKey": "GET /webhook",
        "rawPath": "/webhook",
        "rawQueryString": "&".join(f"{k}={v}" for k, v in query.items()),
        "headers": {
            "accept": "*/*",
            "accept-encoding": "deflate, gzip",
            "host": DOMAIN,
            "user-agent": ua,
            "x-amzn-trace-id": "Root=1-691fd1c0-2b6e9d1f4a7c3e5b8d0f1a2c",
            "x-forwarded-for": META_IP,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "queryStringParameters": query,
        "requestContext": request_context("GET", request_id, "21/Nov/2025:07:59:00 +0000", 1763711940000, ua),
        "isBase64Encoded": False,
    }


def post_event(body: bytes, request_id: str, epoch_s: int, *, secret: str = APP_SECRET,
               base64_body: bool = False) -> dict:
    ua = "facebookexternalua"
    return {
        "version": "2.0",
        "routeKey": "POST /webhook",
        "rawPath": "/webhook",
        "rawQueryString": "",
        "headers": {
            "accept": "*/*",
            "accept-encoding": "deflate, gzip",
            "content-length": str(len(body)),
            "content-type": "application/json",
            "host": DOMAIN,
            "user-agent": ua,
            "x-amzn-trace-id": f"Root=1-{epoch_s + 2:08x}-{hashlib.md5(request_id.encode()).hexdigest()[:24]}",
            "x-forwarded-for": META_IP,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            "x-hub-signature": sign1(body, secret),
            "x-hub-signature-256": sign256(body, secret),
        },
        "requestContext": request_context(
            "POST", request_id, _clf_time(epoch_s + 2), (epoch_s + 2) * 1000 + 417, ua),
        "body": base64.b64encode(body).decode() if base64_body else body.decode("ascii"),
        "isBase64Encoded": base64_body,
    }


def _clf_time(epoch_s: int) -> str:
    import datetime as dt
    return dt.datetime.fromtimestamp(epoch_s, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")


def build() -> dict[str, dict]:
    text = meta_json(text_message(WAMID_TEXT, str(TS_TEXT), TEXT_BODY))
    ro = meta_json(text_message(WAMID_RO, TS_RO, TEXT_BODY_RO))  # timestamp as a number
    lst = meta_json(list_reply_message())
    status = meta_json(status_delivered())
    b64 = meta_json(text_message(WAMID_BASE64, str(TS_BASE64), TEXT_BODY))
    bad = meta_json(text_message(WAMID_BAD_SIGNATURE, str(TS_BAD_SIGNATURE), TEXT_BODY))

    # Meta's escaping must really be in the bytes that get signed.
    assert b"\\u0103" in ro and b"\\u201e" in ro and b"\\u0219" in ro and b"\\u201d" in ro
    assert all(c < 0x80 for c in ro)

    return {
        "webhook-verify-ok.json": verify_event(VERIFY_TOKEN, "VbZ3EiGHFiAEMbQ="),
        "webhook-verify-bad-token.json": verify_event(WRONG_VERIFY_TOKEN, "VbZ3JhpxliAEJzA="),
        "webhook-text-message.json": post_event(text, "VbZ4pgVIFiAEJ7Q=", TS_TEXT),
        "webhook-text-message-ro.json": post_event(ro, "VbZ5AkCDliAEMdw=", TS_RO),
        "webhook-list-reply.json": post_event(lst, "VbZ5YjTWFiAEJhg=", TS_LIST),
        "webhook-status.json": post_event(status, "VbZ6TgxSliAEMmw=", TS_STATUS),
        "webhook-bad-signature.json": post_event(bad, "VbZ6xK3lFiAEJ9A=", TS_BAD_SIGNATURE,
                                                 secret=WRONG_APP_SECRET),
        "webhook-base64-body.json": post_event(b64, "VbZ5tXuSliAEMPg=", TS_BASE64, base64_body=True),
    }


def render(event: dict) -> bytes:
    return (json.dumps(event, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, event in build().items():
        path = EVENTS_DIR / name
        data = render(event)
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(EVENTS_DIR.parent)}")
    if stale:
        print("stale event files (run python3 events/sign_events.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
