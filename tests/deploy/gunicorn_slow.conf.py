"""Test-only gunicorn config: the production one plus a delay before every request.

Makes one app server slow from the outside, so production code needs no test-only view.
DUKAAN_TEST_SLOW_SECONDS sets the delay (default 0.3 s).
"""

import os
import runpy
import time
from pathlib import Path

_production = runpy.run_path(str(Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"))
globals().update({name: value for name, value in _production.items() if not name.startswith("__")})

_DELAY = float(os.environ.get("DUKAAN_TEST_SLOW_SECONDS", "0.3"))


def pre_request(worker, req):
    time.sleep(_DELAY)
