#!/usr/bin/env python3
"""Container health check: GET /healthz (or the path given) on this container's gunicorn.

Django answers only hosts in DJANGO_ALLOWED_HOSTS, so the probe sends the first of them.
Exit 0 when the answer is 200, 1 otherwise (Docker's HEALTHCHECK contract).
"""

from __future__ import annotations

import http.client
import os
import sys


def probe_host() -> str:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0].lstrip(".") if hosts else "localhost"
    return "localhost" if host in {"", "*"} else host


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/healthz"
    port = int(os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1])
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
        conn.request("GET", path, headers={"Host": probe_host()})
        status = conn.getresponse().status
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: {path} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
