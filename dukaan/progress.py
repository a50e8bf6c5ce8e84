"""A plain-text progress bar for management commands (no dependency, works in any log)."""

from __future__ import annotations

from typing import TextIO


class ProgressBar:
    def __init__(self, out: TextIO, width: int = 30) -> None:
        self.out = out
        self.width = width
        self._last: tuple[str, int] | None = None

    def update(self, what: str, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if self._last == (what, percent):
            return  # one line per percent is plenty for a log
        self._last = (what, percent)
        filled = self.width * percent // 100
        self.out.write(
            f"{what:>10} [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% ({done}/{total})"
        )

    def finish(self) -> None:
        self._last = None
