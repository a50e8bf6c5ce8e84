"""nginx serves media from the local disk as the bucket does: content-addressed names are cached
for a year (immutable), others revalidated after five minutes. A real nginx, on loopback."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import require
from tests.deploy.live import render
from tests.servers import free_port, wait_for

pytestmark = pytest.mark.integration

HASHED = "products/1/" + "ab" * 32 + "-thumb.jpg"
PLAIN = "logos/readme.txt"


def test_rendered_media_location_marks_hashed_names_immutable(tmp_path):
    conf = render.write_loopback(tmp_path, upstreams=["127.0.0.1:1"], media_root=str(tmp_path / "media"))
    text = conf.read_text()
    assert "expires 7d" not in text
    assert 'add_header Cache-Control "public, max-age=31536000, immutable";' in text


def test_nginx_serves_hashed_media_immutable_for_a_year_and_other_names_briefly(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    require(Path(nginx).exists(), "nginx is not installed")
    media = tmp_path / "media"
    for name, body in ((HASHED, b"\xff\xd8 jpeg"), (PLAIN, b"hello")):
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(body)
    (tmp_path / "static").mkdir()
    port = free_port()
    conf = render.write_loopback(
        tmp_path, upstreams=["127.0.0.1:1"], media_root=str(media), listen=f"127.0.0.1:{port}"
    )
    args = [nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")]
    started = subprocess.run([*args, "-t"], capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    subprocess.run(args, check=True)
    try:

        def get(name: str):
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/media/{name}", timeout=5)

        wait_for(lambda: _answers(get, PLAIN), 10, "nginx never answered")
        with get(HASHED) as hashed:
            assert hashed.read() == b"\xff\xd8 jpeg"
            assert hashed.headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]
            assert "Expires" not in hashed.headers
        with get(PLAIN) as plain:
            assert plain.headers.get_all("Cache-Control") == ["public, max-age=300"]
    finally:
        subprocess.run([*args, "-s", "stop"], check=False)


def _answers(get, name: str) -> bool:
    try:
        with get(name):
            return True
    except OSError:
        return False
