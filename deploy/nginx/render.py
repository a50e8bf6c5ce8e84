#!/usr/bin/env python3
"""Render deploy/nginx/nginx.conf.template into a complete nginx.conf.

The same template serves two layouts:

  compose   nginx in its own container, app servers app1:8000 and app2:8000, port 80
            python deploy/nginx/render.py --preset compose -o /etc/nginx/nginx.conf

  loopback  nginx run by hand or by tests with a prefix folder of its own (pid, logs and temp
            files inside it, nothing under /etc or /var):
            python deploy/nginx/render.py --preset loopback --prefix /tmp/lb \
                --listen 127.0.0.1:8080 --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 \
                --static-root staticfiles
            nginx -p /tmp/lb -c /tmp/lb/nginx.conf -e /tmp/lb/error.log

Only the standard library: it runs in the app image, on a bare host and in tests.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx.conf.template"
MAINTENANCE_PAGE = HERE / "maintenance.html"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_SERVER = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d+(\s+[a-z_]+(=[A-Za-z0-9.]+)?)*$")


def default_body_limit() -> str:
    """client_max_body_size: the app's upload limit plus 1 MB of room for the other form fields."""
    limit = int(os.environ.get("DUKAAN_MAX_UPLOAD_BYTES") or 10 * 1024 * 1024)
    return f"{math.ceil(limit / (1024 * 1024)) + 1}m"


@dataclass
class NginxOptions:
    upstreams: list[str]
    listen: str = "80"
    static_root: str = "/srv/static"
    media_root: str = ""  # empty: media live on S3/the CDN, nginx serves none
    html_dir: str = "/etc/nginx/html"  # holds maintenance.html
    maintenance_file: str = "/etc/nginx/maintenance/on"
    pid_file: str = "/var/run/nginx.pid"
    error_log: str = "/dev/stderr"
    access_log: str = "/dev/stdout"
    temp_dir: str = "/var/cache/nginx"
    mime_types: str = "/etc/nginx/mime.types"
    user: str = "nginx"  # empty: no `user` directive (nginx keeps the user that started it)
    worker_processes: str = "auto"
    edge_name: str = "edge"
    forwarded_proto: str = "$scheme"
    client_max_body_size: str = field(default_factory=default_body_limit)
    # nginx's own health and connection counts on a private address (compose: inside the container);
    # empty: none. Unaffected by the maintenance switch.
    status_listen: str = ""
    otp_rate: str = "10r/m"
    otp_burst: int = 5
    order_rate: str = "20r/m"
    order_burst: int = 20
    admin_login_rate: str = "6r/m"
    admin_login_burst: int = 5
    max_fails: int = 3
    fail_timeout: str = "10s"
    proxy_connect_timeout: str = "2s"
    proxy_read_timeout: str = "30s"
    # The whole budget for one request including retries: a read timeout on one server still
    # leaves time to ask another.
    proxy_next_upstream_timeout: str = "60s"
    # The storefront micro-cache: on in production; off only to measure the app path behind it.
    micro_cache: bool = True
    cache_dir: str = "/var/cache/nginx/dukaan"
    cache_zone_size: str = "16m"  # keys: about 8,000 per MB
    cache_max_size: str = "512m"
    # Entries no request asked for this long are dropped; until then they can be served stale
    # while the app servers are down.
    cache_inactive: str = "24h"
    cache_valid: str = "1s"  # when an answer carries no Cache-Control of its own
    # Requests one app server handles at once before nginx sends the next elsewhere (and, with
    # every server full, answers 503 at once): about 16x its workers x threads (each thread at
    # work and ~15 cached pages of ~2 ms waiting: ~30 ms in its queue). 0 = no limit.
    max_conns: int = 0

    def __post_init__(self) -> None:
        if not self.upstreams:
            raise ValueError("at least one upstream server (host:port) is required")
        for server in self.upstreams:
            if not _SERVER.match(server.strip()):
                raise ValueError(f"not an upstream server: {server!r} (expected host:port [param...])")


def compose_options(**overrides: object) -> NginxOptions:
    options = {
        "upstreams": ["app1:8000", "app2:8000"],
        "listen": "80",
        "status_listen": "127.0.0.1:8081",
        "static_root": "/srv/static",
        # The assets one-shot writes nginx.conf and maintenance.html into this shared volume.
        "html_dir": "/etc/nginx/dukaan",
        "edge_name": "compose",
    }
    options.update(overrides)
    return NginxOptions(**options)  # type: ignore[arg-type]


def loopback_options(prefix: str | Path, **overrides: object) -> NginxOptions:
    """Everything inside `prefix`: the rendered conf, pid, logs, temp files, maintenance flag."""
    prefix = Path(prefix).resolve()
    options = {
        "upstreams": ["127.0.0.1:8001", "127.0.0.1:8002"],
        "listen": "127.0.0.1:8080",
        "static_root": str(prefix / "static"),
        "html_dir": str(prefix / "html"),
        "maintenance_file": str(prefix / "maintenance.on"),
        "pid_file": str(prefix / "nginx.pid"),
        "error_log": str(prefix / "error.log"),
        "access_log": str(prefix / "access.log"),
        "temp_dir": str(prefix / "tmp"),
        "cache_dir": str(prefix / "cache"),
        "cache_max_size": "128m",
        "mime_types": "/etc/nginx/mime.types",
        # Started as root, nginx would run its workers as `nobody`, who cannot read a private temp
        # folder (pytest's, a home directory): keep the starting user. Not root: no directive.
        "user": "root" if os.geteuid() == 0 else "",
        "worker_processes": "2",
        "edge_name": "loopback",
    }
    options.update(overrides)
    return NginxOptions(**options)  # type: ignore[arg-type]


def _upstream_lines(options: NginxOptions) -> str:
    lines = ["        zone dukaan_app 64k;"]
    for server in options.upstreams:
        server = server.strip()
        params = "" if "max_fails=" in server else f" max_fails={options.max_fails}"
        params += "" if "fail_timeout=" in server else f" fail_timeout={options.fail_timeout}"
        if options.max_conns and "max_conns=" not in server:
            params += f" max_conns={options.max_conns}"
        lines.append(f"        server {server}{params};")
    return "\n".join(lines)


def _media_location(options: NginxOptions) -> str:
    if not options.media_root:
        return ""
    root = options.media_root.rstrip("/")
    # The same rule as the bucket's (dukaan/storage.py): a name with a content hash (32+ hex
    # digits: product photos, logos, share cards) never changes, so caches keep it a year;
    # any other name may be replaced in place and is revalidated after five minutes.
    return (
        "        # Media on local disk (no S3 bucket configured).\n"
        "        location /media/ {\n"
        f"            alias {root}/;\n"
        "            access_log off;\n"
        f"            add_header X-Edge-Route {options.edge_name};\n"
        '            add_header Cache-Control "public, max-age=300";\n'
        '            location ~ "[0-9a-f]{32,}[^/]*$" {\n'
        f"                add_header X-Edge-Route {options.edge_name};\n"
        '                add_header Cache-Control "public, max-age=31536000, immutable";\n'
        "            }\n"
        "        }\n"
    )


def _status_server(options: NginxOptions) -> str:
    if not options.status_listen:
        return ""
    return (
        "    # nginx's own health (for the container health check) and connection counts.\n"
        "    server {\n"
        f"        listen {options.status_listen};\n"
        "        access_log off;\n"
        '        location = /nginx-health { default_type text/plain; return 200 "ok\\n"; }\n'
        "        location = /nginx-status { stub_status; }\n"
        "    }\n"
    )


# The cache key holds only what a storefront answer depends on: unknown query parameters
# (utm_source, fbclid...) do not split it.
CACHE_KEY = '"$scheme|$host|$uri|sort=$arg_sort|category=$arg_category|q=$arg_q|page=$arg_page"'
PRIVATE_SIGNS = "$dukaan_unsafe_method $http_authorization $cookie_sessionid $cookie_dukaan_rw"


def _micro_cache_zone(options: NginxOptions) -> str:
    if not options.micro_cache:
        return "    # micro-cache off (rendered with micro_cache=False): every request reaches the app"
    return (
        f"    proxy_cache_path {options.cache_dir.rstrip('/')} levels=1:2 keys_zone=dukaan_pages:"
        f"{options.cache_zone_size}\n"
        f"                     max_size={options.cache_max_size} inactive={options.cache_inactive} "
        "use_temp_path=off;"
    )


def _storefront_cache(options: NginxOptions) -> str:
    if not options.micro_cache:
        return "            # micro-cache off"
    lines = [
        "proxy_cache dukaan_pages;",
        # Cached answers are opened once and kept open, not opened per request. Only here and for
        # static files: the maintenance switch's file check must see a change at once.
        "open_file_cache max=10000 inactive=30s;",
        "open_file_cache_valid 5s;",
        f"proxy_cache_key {CACHE_KEY};",
        f"proxy_cache_valid 200 404 {options.cache_valid};",
        # One request per page refreshes it; the crowd waits for it (a miss) or gets the old copy.
        "proxy_cache_lock on;",
        "proxy_cache_lock_timeout 5s;",
        "proxy_cache_lock_age 5s;",
        "proxy_cache_background_update on;",
        "proxy_cache_use_stale updating error timeout invalid_header http_500 http_502 http_503 http_504;",
        # An expired copy is revalidated with its ETag: the app answers 304 without rendering.
        "proxy_cache_revalidate on;",
        f"proxy_cache_bypass {PRIVATE_SIGNS};",
        f"proxy_no_cache {PRIVATE_SIGNS};",
        # A slow app must not hold a shopper: the stale copy answers instead (use_stale timeout).
        "proxy_read_timeout 10s;",
    ]
    return "\n".join(f"            {line}" for line in lines)


def render(options: NginxOptions, template: str | None = None) -> str:
    text = TEMPLATE.read_text() if template is None else template
    values = {
        "user_directive": f"user {options.user};" if options.user else "# no `user`: runs as who started it",
        "worker_processes": options.worker_processes,
        "pid_file": options.pid_file,
        "error_log": options.error_log,
        "access_log": options.access_log,
        "temp_dir": options.temp_dir.rstrip("/"),
        "mime_types": options.mime_types,
        "client_max_body_size": options.client_max_body_size,
        "otp_rate": options.otp_rate,
        "otp_burst": str(options.otp_burst),
        "order_rate": options.order_rate,
        "order_burst": str(options.order_burst),
        "admin_login_rate": options.admin_login_rate,
        "admin_login_burst": str(options.admin_login_burst),
        "upstream_servers": _upstream_lines(options),
        "listen": options.listen,
        "maintenance_file": options.maintenance_file,
        "html_dir": options.html_dir.rstrip("/"),
        "edge_name": options.edge_name,
        "static_root": options.static_root.rstrip("/"),
        "media_location": _media_location(options),
        "status_server": _status_server(options),
        "forwarded_proto": options.forwarded_proto,
        "proxy_connect_timeout": options.proxy_connect_timeout,
        "proxy_read_timeout": options.proxy_read_timeout,
        "proxy_next_upstream_timeout": options.proxy_next_upstream_timeout,
        "micro_cache_zone": _micro_cache_zone(options),
        "storefront_cache": _storefront_cache(options),
    }
    missing = sorted({name for name in _PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise KeyError(f"template placeholders without a value: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def write_loopback(prefix: str | Path, **overrides: object) -> Path:
    """Render a loopback config into `prefix` and lay out the folders nginx expects there."""
    prefix = Path(prefix).resolve()
    options = loopback_options(prefix, **overrides)
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (Path(options.temp_dir) / folder).mkdir(parents=True, exist_ok=True)
    Path(options.cache_dir).mkdir(parents=True, exist_ok=True)
    html_dir = Path(options.html_dir)
    html_dir.mkdir(parents=True, exist_ok=True)
    (html_dir / "maintenance.html").write_text(MAINTENANCE_PAGE.read_text())
    conf = prefix / "nginx.conf"
    conf.write_text(render(options))
    return conf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", choices=["compose", "loopback"], default="compose")
    parser.add_argument("--prefix", help="loopback: the folder for pid, logs, temp files (required there)")
    parser.add_argument(
        "--upstream",
        action="append",
        default=[],
        help="an app server host:port [params], repeatable (or DUKAAN_UPSTREAMS=a:1,b:2)",
    )
    parser.add_argument("--listen")
    parser.add_argument("--static-root")
    parser.add_argument("--media-root")
    parser.add_argument("--edge-name")
    parser.add_argument(
        "--forwarded-proto", help="'$scheme' (default); behind a TLS LB: '$http_x_forwarded_proto'"
    )
    parser.add_argument("--otp-rate")
    parser.add_argument("--proxy-read-timeout")
    parser.add_argument(
        "--no-micro-cache", action="store_true", help="render without the storefront micro-cache"
    )
    parser.add_argument("--max-conns", type=int, help="requests at once per app server (0: no limit)")
    parser.add_argument("-o", "--output", help="write here instead of stdout")
    args = parser.parse_args(argv)

    overrides: dict[str, object] = {}
    upstreams = args.upstream or [u for u in os.environ.get("DUKAAN_UPSTREAMS", "").split(",") if u.strip()]
    if upstreams:
        overrides["upstreams"] = upstreams
    if args.forwarded_proto is None and os.environ.get("DUKAAN_NGINX_TRUST_FORWARDED_PROTO", "0") == "1":
        # TLS ends at a load balancer in front of nginx: pass on the scheme it reports.
        args.forwarded_proto = "$http_x_forwarded_proto"
    for name in ("listen", "static_root", "media_root", "edge_name", "forwarded_proto", "otp_rate"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    if args.proxy_read_timeout:
        overrides["proxy_read_timeout"] = args.proxy_read_timeout
    if args.no_micro_cache:
        overrides["micro_cache"] = False
    if args.max_conns is not None:
        overrides["max_conns"] = args.max_conns

    if args.preset == "loopback":
        if not args.prefix:
            parser.error("--preset loopback needs --prefix DIR")
        conf = write_loopback(args.prefix, **overrides)
        if args.output and Path(args.output).resolve() != conf:
            Path(args.output).write_text(conf.read_text())
        print(conf if not args.output else args.output)
        return 0
    text = render(compose_options(**overrides))
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
