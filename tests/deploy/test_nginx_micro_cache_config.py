"""The micro-cache as rendered for compose and for loopback: valid for nginx, and keyed, bypassed and
bounded as deploy/README.md says."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require
from tests.deploy.live import render


def _nginx_test(prefix: Path, conf: Path) -> subprocess.CompletedProcess:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    require(Path(nginx).exists(), "nginx is not installed")
    return subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("micro_cache", [True, False])
def test_the_loopback_rendering_passes_nginx_config_test(tmp_path, micro_cache):
    conf = render.write_loopback(tmp_path, upstreams=["127.0.0.1:1"], micro_cache=micro_cache, max_conns=8)
    result = _nginx_test(tmp_path, conf)
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert ("proxy_cache dukaan_pages;" in text) is micro_cache
    assert "server 127.0.0.1:1 max_fails=3 fail_timeout=10s max_conns=8;" in text


def test_the_compose_rendering_passes_nginx_config_test(tmp_path):
    # The compose file's own paths and user live in the nginx container; point them at tmp_path here.
    options = render.compose_options(
        user="",
        pid_file=str(tmp_path / "nginx.pid"),
        error_log=str(tmp_path / "error.log"),
        access_log=str(tmp_path / "access.log"),
        temp_dir=str(tmp_path / "tmp"),
        cache_dir=str(tmp_path / "cache"),
        html_dir=str(tmp_path),
        upstreams=["127.0.0.1:1", "127.0.0.1:2"],
    )
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / folder).mkdir(parents=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(render.render(options))
    result = _nginx_test(tmp_path, conf)
    assert result.returncode == 0, result.stderr


def test_the_cache_key_holds_only_what_a_storefront_answer_depends_on():
    text = render.render(render.compose_options())
    key = next(line for line in text.splitlines() if "proxy_cache_key" in line)
    assert "$arg_sort" in key and "$arg_category" in key and "$arg_q" in key and "$arg_page" in key
    assert "$args" not in key and "$request_uri" not in key and "$is_args" not in key


def test_private_visitors_and_unsafe_methods_bypass_and_are_never_stored():
    text = render.render(render.compose_options())
    signs = "$dukaan_unsafe_method $http_authorization $cookie_sessionid $cookie_dukaan_rw"
    assert text.count(f"proxy_cache_bypass {signs};") == 2
    assert text.count(f"proxy_no_cache {signs};") == 2
    assert "proxy_cache_use_stale updating error timeout" in text
    assert "proxy_cache_lock on;" in text and "proxy_cache_background_update on;" in text
    # A bounded zone, and X-Cache-Status on every answer.
    assert "max_size=512m" in text
    assert "add_header X-Cache-Status $dukaan_cache_status always;" in text
