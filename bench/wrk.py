"""wrk with a report script: requests/s, latency percentiles and every error, as a dict."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

# wrk counts non-2xx/3xx answers and socket errors but prints percentiles only as text: report all.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write("JSON:{")
  io.write(string.format('"requests":%d,"duration_us":%d,', summary.requests, summary.duration))
  io.write(string.format('"bytes":%d,', summary.bytes))
  io.write(string.format('"errors_connect":%d,"errors_read":%d,', e.connect, e.read))
  io.write(string.format('"errors_write":%d,"errors_timeout":%d,', e.write, e.timeout))
  io.write(string.format('"non_2xx_3xx":%d,', e.status))
  io.write(string.format('"latency_p50_ms":%.2f,', latency:percentile(50) / 1000))
  io.write(string.format('"latency_p90_ms":%.2f,', latency:percentile(90) / 1000))
  io.write(string.format('"latency_p99_ms":%.2f,', latency:percentile(99) / 1000))
  io.write(string.format('"latency_max_ms":%.2f}\\n', latency.max / 1000))
end
"""


def find_wrk() -> str | None:
    return shutil.which("wrk")


def wrk_command(url: str, *, connections: int, duration: int, threads: int = 2, script: Path) -> list[str]:
    return [
        find_wrk() or "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
    ]


def run_wrk(url: str, *, connections: int, duration: int, threads: int = 2) -> dict:
    """Run wrk against `url`; the result has requests_per_second, latency_*_ms, errors and the command."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        cmd = wrk_command(url, connections=connections, duration=duration, threads=threads, script=script)
        output = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^JSON:(.*)$", output, re.M)
    result = json.loads(match.group(1)) if match else {}
    seconds = result.get("duration_us", 1) / 1e6
    result["requests_per_second"] = round(result.get("requests", 0) / seconds, 1)
    result["socket_errors"] = sum(
        result.get(k, 0) for k in ("errors_connect", "errors_read", "errors_write", "errors_timeout")
    )
    result["command"] = " ".join([*cmd[:-3], cmd[-1]])  # the report script's temp path left out
    return result
