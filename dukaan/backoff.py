"""Exponential backoff for loops that retry a failing server (database, Redis) until it answers."""

from __future__ import annotations


class Backoff:
    """Delays that double from `first` up to `maximum`; reset() after a success."""

    def __init__(self, first: float = 0.2, maximum: float = 10.0) -> None:
        self.first = first
        self.maximum = maximum
        self.current = first

    def reset(self) -> None:
        self.current = self.first

    def next(self) -> float:
        delay = self.current
        self.current = min(self.current * 2, self.maximum)
        return delay
