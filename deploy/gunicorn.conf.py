"""Gunicorn settings for Dukaan's app servers (containers, the loopback stack and the tests).

    gunicorn -c deploy/gunicorn.conf.py dukaan.wsgi

Every value can be overridden from the environment (GUNICORN_* below) without editing this file.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


wsgi_app = "dukaan.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]

# One worker per core this server really gets, two threads each (BENCHMARKS.md, "App path per
# request"). Under a crowd the app path is CPU-bound, not I/O-bound: a cached storefront answer is
# 1-2 ms of Python under the GIL. More threads add GIL hand-offs (strace on one worker: 32 futex
# calls a request with 1 thread, 86 with 2, 111 with 4) and a long tail; more workers than cores
# add context switches, and since nginx's keep-alive connections each stay with the worker that
# accepted them, requests queue behind a busy worker while another idles (2 servers x 2 workers x
# 4 threads on 2 cores: p99 10x the median; 2 servers x 1 worker x 2 threads: about 5x, more req/s).
# The second thread keeps the core busy while the first waits on PostgreSQL, Redis or an upload.
# In a container the CPU count is the host's: set GUNICORN_WORKERS to the container's CPU limit.
workers = _env_int("GUNICORN_WORKERS", multiprocessing.cpu_count())
threads = _env_int("GUNICORN_THREADS", 2)
worker_class = "gthread"
# Idle connections from nginx stay open longer than nginx keeps them (upstream keepalive_timeout
# 60s), so nginx always closes first and never sends a request on a connection we are closing.
keepalive = _env_int("GUNICORN_KEEPALIVE", 75)
worker_connections = 1000

# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
# SIGTERM: stop accepting, finish what is in flight (up to this long), then exit. nginx moves new
# requests to the other servers meanwhile, so a rolling restart loses nothing.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# No recycling of workers after N requests by default. With one worker per server a recycled worker
# leaves the server without one for 2-3 s (gunicorn's gthread worker lingers up to 2 s on its
# kept-alive connections before it exits, then the master forks the next one), and every request
# nginx sends that server meanwhile waits: on the bench's app path a restart every 3,000 requests
# took p99 from ~75 ms to ~1 s, with client timeouts. Memory is bounded by the container's limit
# and its restart policy instead. Set GUNICORN_MAX_REQUESTS (with jitter) to recycle anyway.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 0)
# Heartbeat files in memory, not on a (possibly slow, possibly read-only) container disk.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (
    "/dev/shm" if os.path.isdir("/dev/shm") else None
)
preload_app = False  # each worker imports the app itself: a reload or a fork never shares DB sockets

# Only our own proxy may tell us the scheme (X-Forwarded-Proto) and the client address: the
# same addresses Django trusts for X-Forwarded-For (DUKAAN_TRUSTED_PROXY_IPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or os.environ.get(
    "DUKAAN_TRUSTED_PROXY_IPS", "127.0.0.1,::1"
)
proxy_allow_ips = forwarded_allow_ips

# Gunicorn 27 opens a control socket under $HOME by default; containers and tests have no use
# for it (and a read-only or shared home breaks it).
control_socket_disable = True

# Logs go to stdout/stderr for the container runtime to collect.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
capture_output = False
# The classic format, for anyone who switches back to the stock logger; JsonLogger below writes
# the same facts as one JSON object per line.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}i)s'


class JsonLogger(Logger):
    """Access log as one JSON object per line, with the request time and nginx's request id."""

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        try:
            headers = {name.lower(): value for name, value in req.headers}
            status = str(getattr(resp, "status", "") or "").split(" ", 1)[0]
            record = {
                "ts": datetime.now(tz=UTC).isoformat(),
                "level": "INFO",
                "logger": "gunicorn.access",
                "request_id": headers.get("x-request-id", "-"),
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"),
                "query": environ.get("QUERY_STRING") or "",
                "status": int(status) if status.isdigit() else status,
                "bytes": getattr(resp, "sent", None),
                "request_time_ms": round(request_time.total_seconds() * 1000, 2),
                "remote_addr": environ.get("REMOTE_ADDR"),
                "forwarded_for": headers.get("x-forwarded-for", ""),
                "user_agent": headers.get("user-agent", ""),
                "server": os.environ.get("DUKAAN_SERVER_NAME", ""),
                "pid": os.getpid(),
            }
            self.access_log.info(json.dumps(record, ensure_ascii=False))
        except Exception:
            self.error("could not write the access log line")


logger_class = JsonLogger if os.environ.get("GUNICORN_JSON_ACCESS_LOG", "1") != "0" else Logger
# gunicorn.access prints the message as is (already JSON); gunicorn.error keeps its plain format.
logging.getLogger("gunicorn.access").propagate = False
