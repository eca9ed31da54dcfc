#!/usr/bin/env python3
"""A moto server that handles one request at a time.

Usage:
    python3 infra/moto_serial.py --port PORT [--host 127.0.0.1]

`python3 -m moto.server` serves each request on its own thread. moto's TransactWriteItems
is then not atomic against a concurrent one: it copies the tables, applies the items and, on
a cancelled condition, puts the copy back, so two transactions in flight at once can undo or
overrule each other (concurrent SENDs from one wallet account once posted 11 of 10 and made
money). DynamoDB runs transactions serializably. This server is the same moto application
(`DomainDispatcherApplication(create_backend_app)`, as `moto.server` builds it) under
werkzeug's `run_simple(..., threaded=False)`: requests are answered one after the other, so
each transaction sees the last one's result, as on DynamoDB. Concurrency tests and the
ledger benchmark use it through `PAYBOT_SERIAL_MOTO_URL`; everything else keeps the
threaded server, which is faster under load.

Tables and queues are created as on any moto, e.g.
`python3 infra/moto_bootstrap.py --endpoint http://127.0.0.1:PORT`.
The server runs until it gets SIGINT or SIGTERM. Requires `pip install "moto[server]"`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="moto, one request at a time")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    args = parser.parse_args(argv)

    # moto builds queue URLs and the like from the port it is served on.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    try:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, run_simple
    except ImportError as exc:  # pragma: no cover - environment problem
        sys.exit(f"moto_serial: missing Python package ({exc.name}); install with: pip install \"moto[server]\"")

    class Handler(WSGIRequestHandler):
        # werkzeug writes the headers and the body apart: with Nagle's algorithm the body
        # waits for the client's delayed ACK of the headers, some 40 ms a request.
        disable_nagle_algorithm = True

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, app, threaded=False, processes=1, request_handler=Handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
